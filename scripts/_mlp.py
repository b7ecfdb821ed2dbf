"""What the later ways share: the small network the eleventh, twelfth and fourteenth ways
train (two hidden layers of ``width``, batch norm after the first where asked, dropout after
each where asked; in PyTorch by default, or in another framework's ``nn`` namespace of the
same names: Paddle's, whose batch norm is ``BatchNorm1D``), and the synthetic 4-class
problem the twelfth and fifteenth ways learn, the 3-class problem or regression the
sixteenth and seventeenth ways learn, and training labels redrawn as the fifteenth to
seventeenth ways redraw them; the network and the split of the thirty-third and
thirty-fourth ways."""
from __future__ import annotations


def layers(inputs: int, width: int, outputs: int, dropout: float, batchnorm: bool,
           nn=None, norm: str = "BatchNorm1d") -> list:
    if nn is None:
        import torch

        nn = torch.nn
    out = [nn.Linear(inputs, width)]
    if batchnorm:
        out.append(getattr(nn, norm)(width))
    out.append(nn.ReLU())
    if dropout:
        out.append(nn.Dropout(dropout))
    out += [nn.Linear(width, width), nn.ReLU()]
    if dropout:
        out.append(nn.Dropout(dropout))
    out.append(nn.Linear(width, outputs))
    return out


def each_layer_normed(inputs: int, width: int, outputs: int, dropout: float,
                      batchnorm: bool):
    """A PyTorch network of two hidden layers of ``width``, each followed by batch norm and
    dropout where asked (the thirty-third and thirty-fourth ways)."""
    from torch import nn

    layers: list = []
    size = inputs
    for _ in range(2):
        layers += [nn.Linear(size, width), *([nn.BatchNorm1d(width)] if batchnorm else []),
                   nn.ReLU(), *([nn.Dropout(dropout)] if dropout else [])]
        size = width
    return nn.Sequential(*layers, nn.Linear(size, outputs))


def four_classes(seed: int, rows: int | None, label_dtype):
    """scikit-learn's ``make_classification``: 3,000 rows of 20 standardised features in 4
    classes, 2 % of labels flipped, split 75/25 stratified; the training part cut to its
    first ``rows`` where given. (x_train, x_val, y_train, y_val)."""
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    x, y = make_classification(n_samples=3000, n_features=20, n_informative=10,
                               n_classes=4, n_clusters_per_class=2, class_sep=1.0,
                               flip_y=0.02, random_state=seed)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y.astype(label_dtype), test_size=0.25,
                                              random_state=seed, stratify=y)
    if rows:
        x_tr, y_tr = x_tr[:rows], y_tr[:rows]
    return x_tr, x_va, y_tr, y_va


def redraw_labels(y, classes: int, seed: int, share: float = 0.35):
    """A copy of the labels ``y`` with ``share`` of them redrawn at random among
    ``classes``: label noise in the training part only."""
    import numpy as np

    rng = np.random.default_rng(seed)
    hit = rng.random(len(y)) < share
    y = y.copy()
    y[hit] = rng.integers(0, classes, hit.sum())
    return y


def three_classes_or_friedman(task: str, seed: int, rows: int | None, noisy: bool):
    """scikit-learn's ``make_classification`` (2,400 rows of 16 features in 3 classes, 2 %
    of labels flipped) or, for ``task`` "friedman", ``make_friedman1`` (2,000 rows, its
    target standardised); features standardised, split 75/25, the training part cut to its
    first ``rows`` where given and 35 % of its labels redrawn where ``noisy``.
    (x_train, x_val, y_train, y_val)"""
    import numpy as np
    from sklearn.datasets import make_classification, make_friedman1
    from sklearn.model_selection import train_test_split

    if task == "friedman":
        x, y = make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=seed)
        y = ((y - y.mean()) / y.std()).astype(np.float32)
    else:
        x, y = make_classification(n_samples=2400, n_features=16, n_informative=8,
                                   n_classes=3, n_clusters_per_class=2, class_sep=1.2,
                                   flip_y=0.02, random_state=seed)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.25, random_state=seed)
    if rows:
        x_tr, y_tr = x_tr[:rows], y_tr[:rows]
    if noisy:  # 35 % of the training labels redrawn at random
        y_tr = redraw_labels(y_tr, 3, seed)
    return x_tr, x_va, y_tr, y_va


def friedman_rows(rows: int, random_state: int):
    """Friedman's regression (``make_friedman1``, 10 features, noise 1.0): ``rows``
    training rows and the 500 after them for validation, features and target standardised
    (the target a column). (x_train, y_train, x_val, y_val), as ``held_out_split`` returns
    (the thirty-fourth and thirty-sixth ways)."""
    from sklearn.datasets import make_friedman1

    x, y = make_friedman1(n_samples=rows + 500, n_features=10, noise=1.0,
                          random_state=random_state)
    x = ((x - x.mean(0)) / x.std(0)).astype("float32")
    y = ((y - y.mean()) / y.std()).astype("float32")[:, None]
    return x[:rows], y[:rows], x[rows:], y[rows:]


def held_out_split(x, y, rows: int, rng, flipped: float, cores: bool, classes: int):
    """Training rows (the first ``rows`` of a permutation drawn from ``rng``) and 500
    validation rows: the classes' cores where ``cores`` (the rows a logistic regression
    fitted on the training rows is surest of), else the next 500; ``flipped`` of the
    training labels redrawn among ``classes`` (the thirty-third and thirty-fourth ways)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    order = rng.permutation(len(x))
    train, pool = order[:rows], order[rows:]
    if cores:
        sure = LogisticRegression(max_iter=500).fit(x[train], y[train]).predict_proba(x[pool])
        val = pool[np.argsort(-sure[np.arange(len(pool)), y[pool]])[:500]]
    else:
        val = pool[:500]
    ytrain = y[train].copy()
    flip = rng.random(rows) < flipped
    ytrain[flip] = rng.integers(0, classes, flip.sum())
    return x[train], ytrain.astype("int64"), x[val], y[val].astype("int64")
