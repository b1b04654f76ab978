"""``--shape NAME=DIMS`` on the command line → the ``shapes=`` mapping of ``sg.parse`` (issue 13)."""

import pytest

from symgrad.cli import main
from symgrad.cli.shapes import parse_shape, shapes_from
from symgrad.errors import InputError
from symgrad.parsing import parse


@pytest.mark.parametrize("text, expected", [
    ("X=N,d", ("X", ("N", "d"))), ("w=d", ("w", "d")), ("v=3", ("v", 3)), ("A=(2, 2)", ("A", (2, 2))),
    (" W1 = h , d ", ("W1", ("h", "d"))), ("y=N", ("y", "N")), ("M=3,n", ("M", (3, "n"))),
])
def test_a_shape_option_reads_as_a_shapes_entry(text, expected):
    assert parse_shape(text) == expected


@pytest.mark.parametrize("text", ["X", "X=", "=N", "X=N,d,k", "X=0", "X=-1,2", "X=N d", "1X=N", "X=N,,d", "X=2.5"])
def test_bad_shape_options_are_input_errors_that_show_an_example(text):
    with pytest.raises(InputError, match="--shape"):
        parse_shape(text)


def test_repeated_shape_options_make_the_same_mapping_the_parser_takes():
    shapes = shapes_from(["X=N,d", "w=d", "y=N"])
    assert shapes == {"X": ("N", "d"), "w": "d", "y": "N"}
    assert parse("||X w - y||^2", shapes=shapes) == parse("‖Xw − y‖²", shapes={"X": ("N", "d"), "w": "d", "y": "N"})
    assert shapes_from(None) == {}
    with pytest.raises(InputError, match="twice"):
        shapes_from(["w=d", "w=n"])


def test_derive_accepts_shape_options_and_refuses_them_clearly_where_unsupported(capsys):
    code = main(["derive", "convexity", "x^2", "--shape", "X=N,d,k"])
    assert code == 3 and "give one dimension (a vector) or two (a matrix)" in capsys.readouterr().err
    code = main(["derive", "eigenvalues", "2,2;2,6", "--shape", "w=d"])
    assert code == 3 and "--shape" in capsys.readouterr().err
