"""bnlint.eval_names: the names that say a piece of data is evaluation data."""
import pytest


@pytest.mark.parametrize(
    "text, key, verdict",
    [
        ("dev_loader", False, True),
        ("devset", False, True),
        ("dev_iter", False, True),
        ("dev", True, True),  # a split key: `loaders["dev"]`, `for phase in ["train", "dev"]`
        ("dev", False, None),  # a bare name: as often the device (`x.to(dev)`)
        ("device", False, None),
        ("train_dev_split", False, False),
        ("val_loader", False, True),
    ],
)
def test_the_dev_split_names_evaluation_data_only_with_a_data_word_or_as_a_key(text, key, verdict):
    from bnlint.eval_names import VAL_WORD_IN_TEXT, eval_data_verdict

    assert eval_data_verdict(text, key=key) is verdict
    if verdict:
        assert VAL_WORD_IN_TEXT.search(text), "the prefilter's text check must see it too"
