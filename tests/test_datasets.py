"""Tests for glassnet.datasets: shapes, determinism, closed forms, CSV and IDX loaders on files we write."""

import gzip
import itertools
import operator
import struct
from functools import reduce

import numpy as np
import pytest

from glassnet import datasets

# --------------------------------------------------------------------------------------------------
# Logic gates against Python's operators
# --------------------------------------------------------------------------------------------------

GATES = {
    datasets.make_and: lambda bits: reduce(operator.and_, bits),
    datasets.make_or: lambda bits: reduce(operator.or_, bits),
    datasets.make_xor: lambda bits: reduce(operator.xor, bits),
    datasets.make_nand: lambda bits: 1 - reduce(operator.and_, bits),
}


@pytest.mark.parametrize("make", GATES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n_inputs", [2, 3, 5])
def test_truth_tables_match_python_operators(make, n_inputs):
    X, y = make(n_inputs) if n_inputs != 2 else make()
    rows = list(itertools.product([0, 1], repeat=n_inputs))
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert X.shape == (2**n_inputs, n_inputs) and y.shape == (2**n_inputs,)
    np.testing.assert_array_equal(X, rows)
    np.testing.assert_array_equal(y, [GATES[make](row) for row in rows])


def test_xor_is_the_classic_table():
    X, y = datasets.make_xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


@pytest.mark.parametrize("n_inputs, error",
                         [(1, ValueError), (17, ValueError), (2.0, TypeError), (True, TypeError)])
def test_gates_refuse_bad_n_inputs(n_inputs, error):
    with pytest.raises(error, match="n_inputs"):
        datasets.make_xor(n_inputs)


# --------------------------------------------------------------------------------------------------
# Generators: shapes, dtypes, determinism, no global state
# --------------------------------------------------------------------------------------------------

GENERATORS = {
    "blobs": (datasets.make_blobs, {"n_samples": 50, "centers": 3, "n_features": 4}, (50, 4)),
    "circles": (datasets.make_circles, {"n_samples": 51}, (51, 2)),
    "moons": (datasets.make_moons, {"n_samples": 51}, (51, 2)),
    "spiral": (datasets.make_spiral, {"n_samples": 61, "n_classes": 4}, (61, 2)),
    "sine": (datasets.make_sine, {"n_samples": 40}, (40, 1)),
    "quantiles": (datasets.make_gaussian_quantiles, {"n_samples": 60, "n_features": 3, "n_classes": 3},
                  (60, 3)),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_shapes_and_dtypes(name):
    make, kwargs, shape = GENERATORS[name]
    X, y = make(**kwargs, random_state=0)
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[0],)
    assert y.dtype == (np.float64 if name == "sine" else np.int64)
    assert np.isfinite(X).all()


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_defaults_run(name):
    X, y = GENERATORS[name][0](random_state=1)
    assert X.shape[0] == y.shape[0] > 0


@pytest.mark.parametrize("name", GENERATORS)
def test_same_random_state_same_arrays_and_global_state_untouched(name):
    make, kwargs, _ = GENERATORS[name]
    before = np.random.get_state()
    X1, y1 = make(**kwargs, random_state=7)
    X2, y2 = make(**kwargs, random_state=7)
    X3, _ = make(**kwargs, random_state=8)
    make(**kwargs, random_state=None)
    make(**kwargs, random_state=np.random.default_rng(3))
    after = np.random.get_state()
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert before[0] == after[0] and before[2:] == after[2:]
    np.testing.assert_array_equal(before[1], after[1])


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_accepts_a_generator(name):
    make, kwargs, _ = GENERATORS[name]
    X1, _ = make(**kwargs, random_state=np.random.default_rng(5))
    X2, _ = make(**kwargs, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(X1, X2)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n_samples, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                              ("10", TypeError)])
def test_generators_refuse_bad_n_samples(name, n_samples, error):
    make, kwargs, _ = GENERATORS[name]
    kwargs = {**kwargs, "n_samples": n_samples}
    with pytest.raises(error, match="n_samples"):
        make(**kwargs)


def test_n_samples_message_says_what_was_received():
    with pytest.raises(ValueError, match=r"n_samples must be an integer >= 1, received n_samples=0"):
        datasets.make_moons(n_samples=0)


@pytest.mark.parametrize("make", [datasets.make_circles, datasets.make_moons, datasets.make_spiral,
                                  datasets.make_sine])
def test_generators_refuse_negative_noise(make):
    with pytest.raises(ValueError, match="noise"):
        make(noise=-0.1)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("random_state", [-1, 1.5, "seed"])
def test_generators_refuse_bad_random_state(name, random_state):
    with pytest.raises((ValueError, TypeError), match="random_state"):
        GENERATORS[name][0](random_state=random_state)


def test_blobs_accepts_explicit_centers():
    centers = [[-5.0, 0.0, 1.0], [5.0, 0.0, 1.0]]
    X, y = datasets.make_blobs(n_samples=100, centers=centers, cluster_std=0.1, random_state=0)
    assert X.shape == (100, 3)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), centers[1], atol=0.1)


def test_blobs_refuses_bad_parameters():
    with pytest.raises(ValueError, match="centers"):
        datasets.make_blobs(centers=0)
    with pytest.raises(TypeError, match="centers"):
        datasets.make_blobs(centers=None)
    with pytest.raises(ValueError, match="cluster_std"):
        datasets.make_blobs(cluster_std=-1.0)
    with pytest.raises(ValueError, match="n_features"):
        datasets.make_blobs(n_features=0)


def test_circles_refuses_bad_factor():
    for factor in (-0.1, 1.0):
        with pytest.raises(ValueError, match="factor"):
            datasets.make_circles(factor=factor)


def test_circles_without_noise_lie_on_two_circles():
    X, y = datasets.make_circles(n_samples=100, noise=0.0, factor=0.3, random_state=0)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_gaussian_quantiles_refuses_bad_parameters():
    with pytest.raises(ValueError, match="n_classes"):
        datasets.make_gaussian_quantiles(n_classes=1)
    with pytest.raises(ValueError, match="n_samples must be at least n_classes"):
        datasets.make_gaussian_quantiles(n_samples=2, n_classes=3)
    with pytest.raises(ValueError, match="cov"):
        datasets.make_gaussian_quantiles(cov=0.0)
    with pytest.raises(ValueError, match="mean must have n_features=2"):
        datasets.make_gaussian_quantiles(mean=[0.0, 0.0, 0.0])


# --------------------------------------------------------------------------------------------------
# Spiral and sine against their definitions
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_samples, n_classes", [(300, 3), (301, 3), (50, 7), (2, 2)])
def test_spiral_class_balance_and_radius(n_samples, n_classes):
    X, y = datasets.make_spiral(n_samples=n_samples, n_classes=n_classes, random_state=0)
    counts = np.bincount(y, minlength=n_classes)
    assert counts.sum() == n_samples and counts.max() - counts.min() <= 1
    radius = np.linalg.norm(X, axis=1)
    assert radius.min() == pytest.approx(0.0) and radius.max() <= 1.0 + 1e-12
    if counts.min() > 1:
        assert radius.max() == pytest.approx(1.0)


def test_spiral_without_noise_is_the_cs231n_formula():
    X, y = datasets.make_spiral(n_samples=30, n_classes=3, noise=0.0, shuffle=False, random_state=0)
    for j in range(3):
        r = np.linspace(0, 1, 10)
        t = np.linspace(4 * j, 4 * (j + 1), 10)
        np.testing.assert_allclose(X[y == j], np.c_[r * np.sin(t), r * np.cos(t)])
    np.testing.assert_array_equal(y, np.repeat([0, 1, 2], 10))


def test_spiral_shuffles_by_default():
    _, y = datasets.make_spiral(n_samples=90, random_state=0)
    assert len(set(y[-18:])) > 1  # the last 20%, what a validation split would take


def test_spiral_refuses_bad_parameters():
    with pytest.raises(ValueError, match="n_classes"):
        datasets.make_spiral(n_classes=1)
    with pytest.raises(ValueError, match="n_samples must be at least n_classes"):
        datasets.make_spiral(n_samples=2, n_classes=3)
    with pytest.raises(TypeError, match="shuffle"):
        datasets.make_spiral(shuffle="yes")


def test_sine_without_noise_is_the_closed_form():
    X, y = datasets.make_sine(n_samples=200, noise=0.0, random_state=0)
    x = X[:, 0]
    np.testing.assert_allclose(y, np.sin(x) + 0.5 * np.cos(2 * x), rtol=0, atol=1e-15)
    assert x.min() >= -np.pi and x.max() < np.pi


def test_sine_noise_has_the_requested_scale():
    X, y = datasets.make_sine(n_samples=20000, noise=0.3, random_state=0)
    residual = y - (np.sin(X[:, 0]) + 0.5 * np.cos(2 * X[:, 0]))
    assert residual.std() == pytest.approx(0.3, rel=0.05)


def test_sine_x_range():
    X, _ = datasets.make_sine(n_samples=500, x_range=(2, 5), random_state=0)
    assert X.min() >= 2 and X.max() < 5


@pytest.mark.parametrize("x_range", [(1.0, 1.0), (3.0, -3.0), (0.0,), "ab", (0.0, np.inf)])
def test_sine_refuses_bad_x_range(x_range):
    with pytest.raises(ValueError, match="x_range"):
        datasets.make_sine(x_range=x_range)


# --------------------------------------------------------------------------------------------------
# Bundled data
# --------------------------------------------------------------------------------------------------

def test_iris_scaled_and_raw():
    X, y = datasets.load_iris()
    assert X.shape == (150, 4) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0)
    X_raw, y_raw = datasets.load_iris(scale=False)
    assert X_raw[0].tolist() == [5.1, 3.5, 1.4, 0.2]
    np.testing.assert_array_equal(np.bincount(y_raw), [50, 50, 50])


def test_digits_scaled_and_raw():
    X, y = datasets.load_digits()
    X_raw, _ = datasets.load_digits(scale=False)
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0 and X_raw.max() == 16.0
    np.testing.assert_allclose(X * 16, X_raw)
    assert set(y.tolist()) == set(range(10))


def test_bundled_refuse_non_bool_scale():
    with pytest.raises(TypeError, match="scale"):
        datasets.load_iris(scale="yes")
    with pytest.raises(TypeError, match="scale"):
        datasets.load_digits(scale=1)


# --------------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------------

def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_header_and_integer_target(tmp_path):
    path = write(tmp_path / "d.csv", "a,b,label\n1,2.5,0\n\n3,-4e-1,1\n")
    X, y = datasets.load_csv(path)
    np.testing.assert_array_equal(X, [[1.0, 2.5], [3.0, -0.4]])
    assert X.dtype == np.float64
    np.testing.assert_array_equal(y, [0, 1])
    assert y.dtype == np.int64


def test_csv_without_header_and_float_target(tmp_path):
    path = write(tmp_path / "d.csv", "1,2,0.5\n3,4,1\n")
    X, y = datasets.load_csv(path)
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert y.dtype == np.float64 and y.tolist() == [0.5, 1.0]


def test_csv_target_by_name_and_index_and_string_labels(tmp_path):
    path = write(tmp_path / "d.csv", "species,x,y\nsetosa,1,2\nvirginica,3,4\n")
    X, y = datasets.load_csv(path, target="species")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert y.tolist() == ["setosa", "virginica"]
    X0, y0 = datasets.load_csv(path, target=0)
    np.testing.assert_array_equal(X0, X)
    np.testing.assert_array_equal(y0, y)
    with pytest.raises(ValueError, match=r"line 2: column 0 \('species'\) is not a number: 'setosa'"):
        datasets.load_csv(path, target=-2)


def test_csv_string_labels_without_header(tmp_path):
    path = write(tmp_path / "iris.csv", "5.1,3.5,setosa\n6.3,2.9,virginica\n")
    X, y = datasets.load_csv(path)
    assert X.shape == (2, 2) and y.tolist() == ["setosa", "virginica"]


def test_csv_delimiter_dtype_and_explicit_header(tmp_path):
    path = write(tmp_path / "d.tsv", "1\t2\t3\n4\t5\t6\n")
    X, y = datasets.load_csv(path, delimiter="\t", header=True, dtype="float32")
    assert X.dtype == np.float32 and X.tolist() == [[4, 5]] and y.tolist() == [6]
    X, y = datasets.load_csv(path, delimiter="\t", header=False)
    assert X.shape == (2, 2)


def test_csv_gzip(tmp_path):
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(b"x,y\n1,0\n2,1\n"))
    X, y = datasets.load_csv(path)
    assert X.tolist() == [[1.0], [2.0]] and y.tolist() == [0, 1]


def test_csv_wrong_number_of_fields_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.csv", "a,b,c\n1,2,3\n\n4,5\n")
    with pytest.raises(ValueError, match=r"bad\.csv, line 4: expected 3 fields, found 2"):
        datasets.load_csv(path)


def test_csv_non_numeric_feature_names_file_line_and_column(tmp_path):
    path = write(tmp_path / "bad.csv", "a,b,c\n1,2,3\n4,oops,6\n")
    with pytest.raises(ValueError, match=r"bad\.csv, line 3: column 1 \('b'\) is not a number: 'oops'"):
        datasets.load_csv(path)


def test_csv_empty_fields_are_malformed(tmp_path):
    path = write(tmp_path / "bad.csv", "a,b,c\n1,2,3\n,,\n")
    with pytest.raises(ValueError, match=r"line 3: column 0 \('a'\) is not a number: ''"):
        datasets.load_csv(path)
    path = write(tmp_path / "bad2.csv", "a,b,c\n1,2,3\n1,2,\n")
    with pytest.raises(ValueError, match=r"line 3: the target \(column 2\) is empty"):
        datasets.load_csv(path)


def test_csv_refuses_empty_and_header_only_files(tmp_path):
    with pytest.raises(ValueError, match="no rows"):
        datasets.load_csv(write(tmp_path / "empty.csv", "\n\n"))
    with pytest.raises(ValueError, match="no data rows"):
        datasets.load_csv(write(tmp_path / "header.csv", "a,b\n"))
    with pytest.raises(ValueError, match="at least two columns"):
        datasets.load_csv(write(tmp_path / "one.csv", "1\n2\n"))


def test_csv_refuses_binary_files(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ValueError, match="not a UTF-8 text file"):
        datasets.load_csv(path)


def test_csv_bad_target(tmp_path):
    path = write(tmp_path / "d.csv", "alpha,beta,label\n1,2,0\n")
    with pytest.raises(ValueError, match="Did you mean 'label'"):
        datasets.load_csv(path, target="lable")
    with pytest.raises(ValueError, match=r"column index in \[-3, 2\]"):
        datasets.load_csv(path, target=3)
    with pytest.raises(TypeError, match="target"):
        datasets.load_csv(path, target=1.0)
    with pytest.raises(ValueError, match="no header row"):
        datasets.load_csv(write(tmp_path / "nh.csv", "1,2\n"), target="label")


def test_csv_bad_parameters(tmp_path):
    path = write(tmp_path / "d.csv", "1,2\n")
    with pytest.raises(ValueError, match="delimiter"):
        datasets.load_csv(path, delimiter=";;")
    with pytest.raises(ValueError, match="header"):
        datasets.load_csv(path, header="yes")
    with pytest.raises(ValueError, match="dtype"):
        datasets.load_csv(path, dtype=int)
    with pytest.raises(TypeError, match="path"):
        datasets.load_csv(3)
    with pytest.raises(FileNotFoundError):
        datasets.load_csv(tmp_path / "missing.csv")


# --------------------------------------------------------------------------------------------------
# IDX
# --------------------------------------------------------------------------------------------------

IDX_TYPES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D,
             np.float64: 0x0E}


def idx_bytes(array):
    """The IDX encoding of ``array``, written independently of the loader."""
    array = np.asarray(array)
    magic = bytes([0, 0, IDX_TYPES[array.dtype.type], array.ndim])
    sizes = struct.pack(f">{array.ndim}i", *array.shape)
    return magic + sizes + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype", list(IDX_TYPES))
def test_idx_round_trip_every_type(tmp_path, dtype):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    path = tmp_path / "a.idx"
    path.write_bytes(idx_bytes(array))
    loaded = datasets.load_idx(path)
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
    assert loaded.shape == (3, 4, 5)
    np.testing.assert_array_equal(loaded, array)
    assert loaded.flags.writeable


def test_idx_mnist_header_bytes(tmp_path):
    # the first bytes of MNIST's label file, written by hand: magic 0x00000801, then 3 labels
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(bytes.fromhex("00000801" "00000003" "050004"))
    np.testing.assert_array_equal(datasets.load_idx(path), [5, 0, 4])


def test_idx_gzip(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "a-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(datasets.load_idx(path), array)


def test_idx_truncated_data(tmp_path):
    path = tmp_path / "t.idx"
    path.write_bytes(idx_bytes(np.zeros((10, 4), dtype=np.int16))[:-3])
    with pytest.raises(ValueError, match=r"t\.idx.*truncated.*\(10, 4\).*80 bytes.*77"):
        datasets.load_idx(path)


def test_idx_truncated_header(tmp_path):
    path = tmp_path / "t.idx"
    path.write_bytes(idx_bytes(np.zeros((10, 4), dtype=np.uint8))[:6])
    with pytest.raises(ValueError, match=r"t\.idx: truncated header"):
        datasets.load_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="too short"):
        datasets.load_idx(path)


def test_idx_truncated_gzip(tmp_path):
    path = tmp_path / "t.idx.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))[:-12])
    with pytest.raises(ValueError, match=r"t\.idx\.gz: corrupt or truncated gzip"):
        datasets.load_idx(path)


@pytest.mark.parametrize("magic", ["01000801", "00000701", "00000800", "00001001"])
def test_idx_bad_magic(tmp_path, magic):
    path = tmp_path / "m.idx"
    path.write_bytes(bytes.fromhex(magic + "00000001" + "07"))
    with pytest.raises(ValueError, match=rf"m\.idx: bad magic number 0x{magic}"):
        datasets.load_idx(path)


def test_idx_absurd_declared_size_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.idx"
    # 4 dimensions of 2**31 - 1 doubles: far more than any machine holds, in a 30-byte file
    path.write_bytes(bytes.fromhex("00000e04") + struct.pack(">4I", *[2**31 - 1] * 4) + b"\x00" * 10)
    with pytest.raises(ValueError, match=r"huge\.idx: truncated or corrupt.*but only 10 bytes follow"):
        datasets.load_idx(path)


def test_idx_trailing_bytes(tmp_path):
    path = tmp_path / "x.idx"
    path.write_bytes(idx_bytes(np.arange(4, dtype=np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match="1 unexpected bytes"):
        datasets.load_idx(path)


def test_idx_pair(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 3, 2), dtype=np.uint8)
    labels = rng.integers(0, 10, size=6, dtype=np.uint8)
    (tmp_path / "img").write_bytes(idx_bytes(images))
    (tmp_path / "lab.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    X, y = datasets.load_idx_pair(tmp_path / "img", tmp_path / "lab.gz")
    assert X.shape == (6, 6) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_allclose(X, images.reshape(6, -1) / 255.0)
    np.testing.assert_array_equal(y, labels)
    assert 0.0 <= X.min() and X.max() <= 1.0


def test_idx_pair_refuses_mismatches(tmp_path):
    (tmp_path / "img").write_bytes(idx_bytes(np.zeros((5, 2, 2), dtype=np.uint8)))
    (tmp_path / "lab").write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)))
    (tmp_path / "float").write_bytes(idx_bytes(np.zeros((5, 2, 2), dtype=np.float32)))
    with pytest.raises(ValueError, match="holds 5 images but .* holds 4 labels"):
        datasets.load_idx_pair(tmp_path / "img", tmp_path / "lab")
    with pytest.raises(ValueError, match="unsigned bytes"):
        datasets.load_idx_pair(tmp_path / "float", tmp_path / "lab")
    with pytest.raises(ValueError, match="labels must be integers with one dimension"):
        datasets.load_idx_pair(tmp_path / "img", tmp_path / "img")
