"""What a layer's type name says about a model, wherever a log prints one (a Keras summary,
a PyTorch print, Lightning's or Paddle's table, a Flax repr): which types drop out, normalise
by batch or augment; which may drop out by an argument no summary shows; which Keras types
are all of their layer in a summary row; and how a Keras type cut short by the old summary's
first column (``batch_normalization (BatchNo``) is completed. The parsers record the names;
``engine.merge_facts`` rules a mechanism in or out from them."""
from __future__ import annotations

import re

DROPOUT = ("Dropout", "SpatialDropout", "AlphaDropout", "GaussianDropout", "Dropout1d",
           "Dropout2d", "Dropout3d", "FeatureAlphaDropout")
BATCHNORM = ("BatchNorm", "SyncBatchNorm")  # BatchNormalization, BatchNorm1d/2d/3d
AUGMENTATION = ("Random", "GaussianNoise", "RandAugment", "AugMix", "MixUp", "CutMix",
                "AutoContrast", "Solarization", "Equalization")
# layers whose dropout is an argument, not a layer a summary lists (LSTM(dropout=0.3),
# MultiHeadAttention(dropout=0.1)): a summary naming one cannot rule dropout out
DROPOUT_INSIDE = ("LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM", "OptimizedLSTM", "CuDNN",
                  "Bidirectional", "MultiHead", "Multihead", "Attention", "AdditiveAttention",
                  "GroupQueryAttention", "GroupedQueryAttention", "SelfAttention",
                  "Transformer")

# torch.nn's own modules (PyTorch 2.x): an nn.Sequential of these, printed, is the whole
# forward pass; a module of another class may drop out in its forward (F.dropout) unseen
_TORCH_NAMES = """
AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d
AdaptiveMaxPool3d AlphaDropout AvgPool1d AvgPool2d AvgPool3d BatchNorm1d BatchNorm2d
BatchNorm3d Bilinear CELU ChannelShuffle CircularPad1d CircularPad2d CircularPad3d
ConstantPad1d ConstantPad2d ConstantPad3d Conv1d Conv2d Conv3d ConvTranspose1d
ConvTranspose2d ConvTranspose3d CrossMapLRN2d Dropout Dropout1d Dropout2d Dropout3d ELU
Embedding EmbeddingBag FeatureAlphaDropout Flatten Fold FractionalMaxPool2d
FractionalMaxPool3d GELU GLU GRU GroupNorm Hardshrink Hardsigmoid Hardswish Hardtanh
Identity InstanceNorm1d InstanceNorm2d InstanceNorm3d LPPool1d LPPool2d LPPool3d LSTM
LayerNorm LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d LazyConv1d LazyConv2d LazyConv3d
LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d LazyInstanceNorm1d
LazyInstanceNorm2d LazyInstanceNorm3d LazyLinear LeakyReLU Linear LocalResponseNorm
LogSigmoid LogSoftmax MaxPool1d MaxPool2d MaxPool3d Mish MultiheadAttention PReLU
PixelShuffle PixelUnshuffle RMSNorm RNN RReLU ReLU ReLU6 ReflectionPad1d ReflectionPad2d
ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d SELU Sequential SiLU
Sigmoid Softmax Softmax2d Softmin Softplus Softshrink Softsign SyncBatchNorm Tanh
Tanhshrink Threshold Transformer TransformerDecoder TransformerDecoderLayer
TransformerEncoder TransformerEncoderLayer Unflatten Unfold Upsample UpsamplingBilinear2d
UpsamplingNearest2d ZeroPad1d ZeroPad2d ZeroPad3d
"""
TORCH = frozenset(_TORCH_NAMES.split())

# Keras's own layer classes (Keras 3's, and Keras 2's that it dropped)
_KERAS_NAMES = """
Activation ActivityRegularization AdaptiveAveragePooling1D AdaptiveAveragePooling2D
AdaptiveAveragePooling3D AdaptiveMaxPooling1D AdaptiveMaxPooling2D AdaptiveMaxPooling3D Add
AdditiveAttention AlphaDropout Attention AugMix AutoContrast Average AveragePooling1D
AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D BatchNormalization
Bidirectional CategoryEncoding CenterCrop Concatenate
ContrastLimitedAdaptiveHistogramEqualization Conv1D Conv1DTranspose Conv2D Conv2DTranspose
Conv3D Conv3DTranspose ConvLSTM1D ConvLSTM2D ConvLSTM3D Convolution1D Convolution1DTranspose
Convolution2D Convolution2DTranspose Convolution3D Convolution3DTranspose Cropping1D
Cropping2D Cropping3D CutMix Dense DepthwiseConv1D DepthwiseConv2D Discretization Dot Dropout
ELU EinsumDense Embedding Equalization Flatten FlaxLayer GRU GRUCell GaussianDropout
GaussianNoise GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D
GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D GlobalMaxPool1D GlobalMaxPool2D
GlobalMaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D GroupNormalization
GroupQueryAttention HashedCrossing Hashing Identity InputLayer IntegerLookup JaxLayer LSTM
LSTMCell Lambda Layer LayerNormalization LeakyReLU Masking MaxNumBoundingBoxes MaxPool1D
MaxPool2D MaxPool3D MaxPooling1D MaxPooling2D MaxPooling3D Maximum MelSpectrogram Minimum
MixUp MultiHeadAttention Multiply Normalization PReLU Permute Pipeline RMSNormalization RNN
RandAugment RandomBrightness RandomColorDegeneration RandomColorJitter RandomContrast
RandomCrop RandomElasticTransform RandomErasing RandomFlip RandomGaussianBlur
RandomGrayscale RandomHue RandomInvert RandomPerspective RandomPosterization RandomRotation
RandomSaturation RandomSharpness RandomShear RandomTranslation RandomZoom ReLU RepeatVector
Rescaling Reshape Resizing ReversibleEmbedding STFTSpectrogram SeparableConv1D
SeparableConv2D SeparableConvolution1D SeparableConvolution2D SimpleRNN SimpleRNNCell
Softmax Solarization SpatialDropout1D SpatialDropout2D SpatialDropout3D SpectralNormalization
StackedRNNCells StringLookup Subtract TFSMLayer TextVectorization TimeDistributed
TorchModuleWrapper UnitNormalization UpSampling1D UpSampling2D UpSampling3D Wrapper
ZeroPadding1D ZeroPadding2D ZeroPadding3D
Functional Sequential Model TensorFlowOpLayer TFOpLambda SlicingOpLambda KerasLayer
CuDNNLSTM CuDNNGRU ThresholdedReLU LocallyConnected1D LocallyConnected2D
"""
KERAS = frozenset(_KERAS_NAMES.split())

# a PyTorch type whose row in a summary of a module's children (Lightning's) is the whole of
# it: a layer, an activation, a loss, a metric. A container or a class of the user's holds
# layers its row does not list.
_TORCH_WHOLE = re.compile(
    r"Linear|Bilinear|Conv\w{0,16}|Dropout\w{0,8}|AlphaDropout|BatchNorm\w{0,4}|LayerNorm|"
    r"GroupNorm|RMSNorm|InstanceNorm\w{0,4}|Embedding\w{0,8}|LSTM|GRU|RNN|MultiheadAttention|"
    r"ReLU\d?|GELU|SiLU|Mish|Tanh|Sigmoid|LeakyReLU|PReLU|ELU|SELU|CELU|Softplus|Softmax|"
    r"LogSoftmax|Identity|Flatten|Unflatten|\w{0,16}Pool\w{0,8}|Upsample\w{0,16}|PixelShuffle|"
    r"\w{0,40}Loss|\w{0,40}(?:Accuracy|Error|Score|Precision|Recall|AUROC|F1Score)")
# rows that hold layers a summary does not list: a nested model (transfer learning's base),
# a wrapper of any layer, a hub or saved model, a layer of another framework
KERAS_CONTAINERS = frozenset({"Functional", "Sequential", "Model", "TimeDistributed",
                              "Wrapper", "Pipeline", "TFSMLayer", "TorchModuleWrapper",
                              "JaxLayer", "FlaxLayer", "KerasLayer", "Layer"})


def keras_whole(name: str) -> bool:
    """Whether a Keras summary row of this type lists all of its layer (a custom layer
    class, a nested model or a wrapper lists its top only)."""
    return name in KERAS and name not in KERAS_CONTAINERS


def torch_whole(name: str) -> bool:
    """Whether a row of this PyTorch type in Lightning's model summary is all of its module
    (a ``Sequential``, an ``Encoder`` of the user's lists its top only)."""
    return bool(_TORCH_WHOLE.fullmatch(name))


def complete_keras(cut: str) -> str | None:
    """The Keras type a name cut short begins (``BatchNo`` -> ``BatchNormalization``), or
    None where none does (a custom layer's) or the ones that do say different things."""
    found = sorted(name for name in KERAS if name.startswith(cut))
    return found[0] if found and len({_kind(name) for name in found}) == 1 else None


def _kind(name: str) -> str:
    for kind, prefixes in (("dropout", DROPOUT), ("batchnorm", BATCHNORM),
                           ("augmentation", AUGMENTATION), ("inside", DROPOUT_INSIDE)):
        if name.startswith(prefixes):
            return kind
    return "container" if name in KERAS_CONTAINERS else "plain"
