"""The generic limit check: codec, frame rate and the JPEG rendition rule (issue 15 part 3)."""

from channels.limits import PlatformLimits, TypeLimits, limit_problems
from channels.providers.content import Content, MediaItem

REEL = TypeLimits(
    1,
    1,
    frozenset({"video"}),
    video_codecs=frozenset({"h264", "hevc"}),
    video_fps_min=23,
    video_fps_max=60,
)
FEED = TypeLimits(1, 1, frozenset({"image"}), image_mime=frozenset({"image/jpeg"}))
LIMITS = PlatformLimits(caption_max=100, post_types={"reel": REEL, "feed": FEED})


def problems(post_type, item):
    return limit_problems(LIMITS, "Instagram", Content(post_type, "hi", [item]))


def video(**facts):
    return MediaItem(url="https://x/v.mp4", kind="video", **facts)


def test_a_codec_the_post_type_does_not_take_is_named_in_plain_words():
    found = problems("reel", video(codec="vp9", fps=30))
    assert [p.code for p in found] == ["video_codec"]
    assert found[0].message == (
        "Media 1 is VP9; Instagram reel posts take H.264 or HEVC (H.265). Export it again as H.264."
    )


def test_taken_and_unknown_codecs_pass():
    assert problems("reel", video(codec="hevc", fps=30)) == []
    assert problems("reel", video()) == []  # an external URL: nothing probed, nothing guessed


def test_frame_rate_outside_the_range_is_refused():
    found = problems("reel", video(codec="h264", fps=10))
    assert [p.code for p in found] == ["video_frame_rate"]
    assert "10 frames per second" in found[0].message and "23–60 fps" in found[0].message


def test_png_is_refused_unless_we_hold_it_and_can_send_a_jpeg_rendition():
    png = dict(url="https://x/a.png", kind="image", mime_type="image/png")
    assert [p.code for p in problems("feed", MediaItem(**png))] == ["image_format"]
    assert problems("feed", MediaItem(**png, jpeg_convertible=True)) == []


def test_too_many_media_names_the_post_type_that_takes_them():
    from channels.providers import PROVIDERS
    from channels.providers.content import Content, MediaItem

    images = [MediaItem(url=f"https://cdn.example.com/{n}.jpg", kind="image") for n in range(3)]
    problems = PROVIDERS["instagram"]().validate(Content("feed", "Hi", images))
    media = [p.message for p in problems if p.field == "media"]
    assert media == [
        "Instagram feed posts need one image; this one has 3. Choose carousel as the post "
        "type for 3 media items."
    ]


def test_a_long_caption_says_by_how_much_to_shorten_it():
    from channels.providers import PROVIDERS
    from channels.providers.content import Content

    problems = PROVIDERS["tiktok"]().validate(Content("video", "x" * 2205, []))
    assert "TikTok allows 2200 — shorten it by 5." in problems[0].message
