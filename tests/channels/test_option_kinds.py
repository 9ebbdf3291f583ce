"""Text, tag and thread-part options: shown as text, stored as strings and lists."""

from channels.forms import option_field_value, option_form_field
from channels.providers.base import OptionField

TAGS = OptionField(key="tags", label="Tags", kind="tags", max_length=30)
PARTS = OptionField(key="thread", label="Thread", kind="parts", max_length=280)
TITLE = OptionField(key="seo_title", label="SEO title", kind="text", max_length=60)


def test_tags_are_typed_comma_separated_and_stored_as_a_list():
    assert option_field_value(TAGS, "launch, spring , ,news") == ["launch", "spring", "news"]
    assert option_field_value(TAGS, ["launch", "news"]) == "launch, news"
    assert option_field_value(TAGS, "  ") == ""  # no choice


def test_thread_parts_are_blocks_between_dash_lines():
    typed = "First part\nstill first\n---\nSecond\n ---  \n\n---\nThird"
    assert option_field_value(PARTS, typed) == ["First part\nstill first", "Second", "Third"]
    assert option_field_value(PARTS, option_field_value(PARTS, typed)) == (
        "First part\nstill first\n---\nSecond\n---\nThird"
    )


def test_text_option_is_limited_and_says_so():
    field = option_form_field(TITLE)
    assert field.max_length == 60
    assert field.clean("") == ""
    errors = []
    try:
        field.clean("x" * 61)
    except Exception as exc:  # django ValidationError
        errors = exc.messages
    assert errors and "60" in errors[0]
    assert "commas" in option_form_field(TAGS).help_text
    assert "three dashes" in option_form_field(PARTS).help_text
