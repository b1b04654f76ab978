"""The keyword shim behind renamed parameters: old spellings forward with a warning, both at once is an error."""

import pytest

from symgrad._deprecation import renamed


@renamed(at="start", wrt="variables")
def _descend(f, start=None, *, variables=None):
    return start, variables


def test_old_keyword_forwards_to_the_new_one_with_a_warning_naming_both():
    with pytest.warns(DeprecationWarning, match=r"`at` is now `start`"):
        assert _descend("x^2", at=3) == (3, None)


def test_new_keyword_does_not_warn(recwarn):
    assert _descend("x^2", start=4, variables=["x"]) == (4, ["x"])
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_both_spellings_at_once_is_a_type_error():
    with pytest.raises(TypeError, match="pass `start` only"):
        _descend("x^2", at=1, start=2)


def test_a_keyword_whose_meaning_flipped_is_converted_and_the_warning_says_how():
    import operator

    @renamed(in_variables=("in_displacement", operator.not_))
    def expand(f, *, in_displacement=True):
        return in_displacement

    with pytest.warns(DeprecationWarning, match=r"`in_variables` is now `in_displacement` \(`in_displacement=not_\(in_variables\)`\)"):
        assert expand("x", in_variables=True) is False
    with pytest.warns(DeprecationWarning):
        assert expand("x", in_variables=False) is True
    with pytest.raises(TypeError, match="pass `in_displacement` only"):
        expand("x", in_variables=True, in_displacement=True)
