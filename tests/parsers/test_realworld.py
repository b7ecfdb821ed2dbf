"""Every real-world log in ../shared/corpus/realworld: read to the table checked by eye, or
refused with one clear line.

Each row: (file, runs found, epochs of the analysed run, first and last finite training loss,
first and last finite validation loss), or (file, error code). The numbers were compared with
the files by hand (first and last epoch lines). Skipped when ../shared is absent.
"""
from __future__ import annotations

import math

import pytest

from tests.conftest import REALWORLD, needs_shared
from valgap.model import InputError
from valgap.parsers import read

EXPECTED = [
    ("hf-trainer-state/Jaypee34__Sentiment-Analysis-for-Customer-Feedback__trainer_state.json", 1, 3, 0.4161, 0.1957, 0.3252, 0.3083),
    ("hf-trainer-state/P4P4N1CK__whisper-large-v2-japanese-5k-steps__trainer_state.json", 1, 5, 0.0902, 0.0002, 0.321, 0.42),
    ("hf-trainer-state/RohitBind123__falcon-lora-imdb-sentiment__trainer_state.json", 1, 1, 3.0843, 3.0843, None, None),
    ("hf-trainer-state/Tashu014__lora-imdb-distilbert__trainer_state.json", 1, 3, 0.5396, 0.3462, 0.3951, 0.3892),
    ("hf-trainer-state/aigoncharov__trainer_state_viz__trainer_state.json", 1, 30, 1.1074, 0.0549, None, None),
    ("keras-csv/AIR-Center__Capsnet-Cancer__log.csv", 1, 8, 0.3162, 0.2519, 0.3391, 0.2851),
    ("keras-csv/AKBoles__Voice-Identification__intro_training.log", 1, 10, 7.7652, 0.1441, 7.2445, 2.9079),
    ("keras-csv/AKBoles__Voice-Identification__speaker10_training.log", 1, 15, 2.0164, 0.0219, 0.7764, 0.1168),
    ("keras-csv/AKBoles__Voice-Identification__training.log", 1, 10, 0.768, 0.005, 0.4232, 0.1205),
    ("keras-csv/Abhiswain97__Leaf_disease_detection__feature_files~training.csv", 1, 200, 0.715, 0.3745, 0.6281, 0.3732),
    ("keras-csv/Aditya24jar__Emotion-Detection-Resnet50__training.log", 1, 17, 1.716, 0.9639, 1.4436, 1.0745),
    ("keras-csv/toscanodiaz__Clasificador-Peces-CNN__history.csv", 1, 50, 2.8036, 0.2852, 2.5033, 0.2432),
    ("keras-stdout/Abhiswain97__Leaf_disease_detection__logs~logs.txt", 1, 1000, 1.2549, 0.7831, 1.03, 1.9349),
    ("keras-stdout/Allegra42__ki-keras-belgian-traffic-sign__training_log.txt", 4, 50, 3.3137, 0.2936, 2.4161, 0.2526),
    ("keras-stdout/AmrElbaroudy__Road-Surface-Condition-CNN__logs~training.txt", 1, 40, 0.2188, 0.0311, 8.6561, 0.0946),  # not the evaluate() line after fit (0.0785)
    ("keras-stdout/AntoineDW__cat-or-dog-keras__training_log.txt", 1, 40, 0.6855, 0.3206, 0.671, 0.3401),
    ("keras-stdout/ChenKen9869__BiLSTM-CRF-Word-segmentation__train_log.txt", 1, 100, 0.3384, 0.0275, None, None),
    ("keras-stdout/KyotoSunshine__CNN-for-handwritten-kanji__logs~model_for_augmented_dataset_training_log.txt", 3, 6, 0.0293, 0.0134, 0.0705, 0.074),
    ("keras-stdout/safednn-nasa__DNN-Repair__examples~example-mnist0-low-quality-b~README.txt", 1, 20, 0.6394, 0.0014, 0.2975, 0.1275),
    ("lightning-csv/Awritrojit__AIOPS_learning_mnist__lightning_logs~version_0~metrics.csv", 1, 3, 2.2824, 1.4025, None, None),
    ("lightning-csv/Awritrojit__AIOPS_learning_mnist__lightning_logs~version_17~metrics.csv", 1, 5, 0.432, 0.1069, None, None),
    ("lightning-csv/Awritrojit__AIOPS_learning_mnist__lightning_logs~version_18~metrics.csv", 1, 5, 0.432, 0.1069, None, None),
    ("lightning-csv/Awritrojit__AIOPS_learning_mnist__lightning_logs~version_1~metrics.csv", 1, 3, 2.3551, 1.6105, None, None),
    ("lightning-csv/Awritrojit__AIOPS_learning_mnist__lightning_logs~version_2~metrics.csv", 1, 10, 2.2912, 1.2244, None, None),
    ("lightning-csv/Awritrojit__AIOPS_learning_mnist__lightning_logs~version_3~metrics.csv", 1, 10, 0.3583, 0.0216, None, None),
    ("lightning-csv/Awritrojit__AIOPS_learning_mnist__lightning_logs~version_4~metrics.csv", 1, 10, 0.4006, 0.0461, None, None),
    ("lightning-csv/CooperBigFoot__CAMELS-CH__lightning_logs~version_1~metrics.csv", 1, 4, 0.2818, 0.207, 0.3197, 0.3406),
    ("lightning-csv/Jordi6__pytorchLit15min__lightning_logs~version_0~metrics.csv", 1, 1, 0.0531, 0.0531, None, None),
    ("lightning-csv/Jordi6__pytorchLit15min__lightning_logs~version_1~metrics.csv", 1, 1, 0.0521, 0.0521, None, None),
    ("lightning-csv/Jordi6__pytorchLit15min__lightning_logs~version_2~metrics.csv", 1, 1, 0.0619, 0.0619, None, None),
    ("lightning-csv/Jordi6__pytorchLit15min__lightning_logs~version_4~metrics.csv", 1, 1, 0.0516, 0.0516, None, None),
    ("lightning-csv/LaugeHermansen__DeepLearningProject__Upsampler_data~upsamplers~0.25~log~version_0~metrics.csv", 1, 2, 0.0005, 0.0, 0.0, 0.0),
    ("lightning-csv/LaugeHermansen__DeepLearningProject__logs~lightning_logs~version_0~metrics.csv", 1, 20, 1.4148, 0.0377, 0.7647, 0.0107),
    ("lightning-csv/MostafaKhaled2017__fashion-mnist-classification__logs~lightning_logs~version_0~metrics.csv", 1, 5, 0.6486, 0.432, 0.4842, 0.3954),
    ("notebook/AKBoles__Voice-Identification__KerasSpeakerIdentification.ipynb", 1, 10, 0.768, 0.005, 0.4232, 0.1205),
    # a DataFrame of the training history displayed as HTML: the table is the run
    ("notebook/AKBoles__Voice-Identification__Pandas Graphing.ipynb", 1, 15, 2.0164, 0.0219, 0.7764, 0.1168),
    # TFLearn prints one epoch's final line ("| Adam | epoch: 010 | loss: ... -- iter: 64/64"):
    # a one-epoch run (too short to judge), not an unreadable input
    ("notebook/AKBoles__Voice-Identification__SimpleSpeechRecognition.ipynb", 1, 1, 1.3054, 1.3054, 0.3466, 0.3466),
    ("notebook/AKBoles__Voice-Identification__SpeakerRecognition.ipynb", 1, 1, 0.0709, 0.0709, 1.0027, 1.0027),
    ("notebook/Agetooo__FlowerClassification__cnn_flower.ipynb", 1, 50, 1.706, 0.2857, 1.2788, 0.4852),
    ("notebook/MostafaKhaled2017__fashion-mnist-classification__fashion_mnist_classification_nn_pytorch.ipynb", 1, 3, 0.575, 0.389, 0.492, 0.348),
    ("notebook/tshr-d-dragon__FootballAdsBannersSegmentation__FootballAdsSeg.ipynb", 1, 23, 0.1416, 0.1391, 0.1478, 0.1435),  # a later cell evaluate()s: 0.1425 is not an epoch
    ("plain-text/AdityaJ87__Face_Emotion_Detection__training.log", 3, 11, 1.9408, 1.3948, 1.8798, 1.2103),
    ("plain-text/AnudeepReddy-Katta__cifar10__train.log", "unrecognised"),
    ("plain-text/BhAem__Weather_Classification__train.log", 1, 15, 12.432, 1.9368, 0.0, 0.0),  # test_loss (always 0) stands in for validation
    ("plain-text/CTMX-Zhen__pokemon_classification__train_log.txt", 1, 10, 4.8177, 0.1248, 4.3607, 5.713),
    ("plain-text/KarimovShohin__DL_HW9__logs~training.log", 4, 10, 0.4632, 0.2229, None, None),
    ("plain-text/LaugeHermansen__DeepLearningProject__experiment_status.txt", 1, 1, 0.0468, 0.0468, 0.0457, 0.0457),
    ("tb-events/CooperBigFoot__CAMELS-CH__lightning_logs~version_119", 1, 40, 0.9202, 0.5976, 1.0704, 0.4068),
    ("tb-events/MostafaKhaled2017__fashion-mnist-classification__lightning_logs~version_0", 1, 25, 0.5796, 0.3327, 0.4673, 0.3239),
    ("tb-export/boriswinner__plot-tensorboard-csv__inputs~sample_loss_train.csv", 1, 65, 0.0351, 0.0011, None, None),
    ("tb-export/boriswinner__plot-tensorboard-csv__inputs~sample_loss_validation.csv", 1, 65, None, None, 0.0209, 0.0169),
    # added with the corpus's second batch; the notebook's truncated DataFrame display
    # (first and last five rows) is not a second run beside its fit output
    ('hf-trainer-state/NijatZeynalov__mT5-based-azerbaijani-news-summarize__trainer_state.json', 1, 70, 11.1959, 2.3611, 3.3984, 2.0653),
    ('hf-trainer-state/arshiv-web__Financial-News-Sentiment-Analysis__results~checkpoint-10350~trainer_state.json', 1, 10, 1.4934, 1.1641, 1.4883, 1.4856),
    ('keras-csv/AKBoles__Voice-Identification__oci_training.log', 1, 10, 1.2439, 0.0268, 0.7412, 0.0692),
    ('keras-csv/AKBoles__Voice-Identification__speaker250_training.log', 1, 50, 4.8826, 1.6629, 4.2106, 5.4895),
    ('keras-csv/BurakErguvn__Car-Prediction-CNN-Model__training.log', 1, 100, 1.7801, 0.3073, 1.8975, 0.7466),
    ('keras-csv/tshr-d-dragon__FootballAdsBannersSegmentation__history.csv', 1, 29, 0.1416, 0.1391, 0.1478, 0.1435),
    ('keras-stdout/Allegra42__ki-keras-belgian-traffic-sign__training_log_wrong_training_data.txt', 4, 50, 3.4467, 0.3009, 2.7856, 0.2251),
    ('keras-stdout/KyotoSunshine__CNN-for-handwritten-kanji__logs~model_training_log.txt', 4, 14, 0.1806, 0.0455, None, None),
    ('keras-stdout/safednn-nasa__DNN-Repair__examples~example-mnist0-low-quality-c~README.txt', 1, 20, 0.2388, 0.0079, 0.1185, 0.0737),
    ('lightning-csv/Awritrojit__AIOPS_learning_mnist__lightning_logs~version_16~metrics.csv', 1, 5, 0.432, 0.1069, None, None),
    ('lightning-csv/CooperBigFoot__CAMELS-CH__lightning_logs~version_10~metrics.csv', 1, 5, 0.1892, 0.1758, 0.1493, 0.1495),
    ('lightning-csv/Jordi6__pytorchLit15min__lightning_logs~version_3~metrics.csv', 1, 1, 0.0534, 0.0534, None, None),
    ('lightning-csv/LaugeHermansen__DeepLearningProject__experiments~from_bottom_v8_2_42~log~version_0~metrics - Kopi.csv', 1, 206, 0.138, 0.0437, 0.0854, 0.0444),
    ('lightning-csv/taeefnajib__pytorch-lightning-mnist__logs~lightning_logs~version_11~metrics.csv', 1, 4, None, None, 0.3031, 0.2009),
    ('notebook/AIR-Center__Capsnet-Cancer__updated_CapsNet-SkinCancer.ipynb', 1, 3, 0.3162, 0.2542, 0.3391, 0.2903),
    ('notebook/Aditya24jar__Emotion-Detection-Resnet50__Emotion_Detection_Complete_Project (1).ipynb', 4, 17, 1.716, 0.9639, 1.4436, 1.0745),
    ('notebook/BurakErguvn__Car-Prediction-CNN-Model__cnn.ipynb', 1, 100, 1.7801, 0.3073, 1.8975, 0.7466),
    ('notebook/HienNguyenPhan__Azheimer-Prediction__efficentnet-fmri.ipynb', 1, 50, 1.8433, 0.1897, None, None),
    # per-batch lines only, no epoch or validation: its training steps are its rows
    ('plain-text/AarZheng__watermilfoil-classifier__training_log.txt', 1, 28, 0.0308, 6.9289, None, None),
    ('plain-text/HienNguyenPhan__Azheimer-Prediction__train_log.txt', 1, 39, 1.0591, 0.596, None, None),
    ('plain-text/LaugeHermansen__DeepLearningProject__experiment.status.txt', 1, 1, 0.0468, 0.0468, 0.0457, 0.0457),
    ('tb-events/CooperBigFoot__CAMELS-CH__lightning_logs~version_125', 1, 28, 0.8026, 0.732, 0.3528, 0.302),
]


def _first_last(table, column):
    if column not in table:
        return None, None
    values = table[column].dropna()
    return round(float(values.iloc[0]), 4), round(float(values.iloc[-1]), 4)


@pytest.mark.parametrize("row", EXPECTED, ids=[r[0].split("/")[0] + ":" + r[0][-40:]
                                               for r in EXPECTED])
def test_realworld_log(row):
    path = needs_shared(REALWORLD / row[0])
    if len(row) == 2:
        with pytest.raises(InputError) as err:
            read(str(path))
        assert err.value.code == row[1]
        assert "\n" not in str(err.value) and str(path) in str(err.value)
        return
    _, n_runs, epochs, train_first, train_last, val_first, val_last = row
    runs = read(str(path))
    run = runs[-1]
    assert len(runs) == n_runs
    assert run.epochs == epochs
    assert _first_last(run.table, "train_loss") == (train_first, train_last)
    assert _first_last(run.table, "val_loss") == (val_first, val_last)
    assert all(not math.isinf(v) for v in run.table.to_numpy().ravel())


def test_every_realworld_file_is_listed():
    root = needs_shared(REALWORLD)
    listed = {r[0] for r in EXPECTED}
    present = {f"{kind.name}/{p.name}" for kind in root.iterdir() if kind.is_dir()
               for p in kind.iterdir()}
    assert present == listed


def test_a_model_printed_in_its_own_notebook_cell_is_read():
    # print(model) in one cell, training in the next: the cell with no training log still
    # says the network has a Dropout layer (before, only the training cells were read)
    path = needs_shared(REALWORLD / "notebook" / ("MostafaKhaled2017__fashion-mnist-"
                                                  "classification__fashion_mnist_"
                                                  "classification_nn_pytorch.ipynb"))
    run = read(str(path))[-1]
    assert run.info.layers.get("Dropout") == 1 and run.info.framework == "pytorch"
    assert any("cells before training" in note for note in run.info.notes)
