from django import forms

from channels.providers.tiktok import PRIVACY_CHOICES

# No preselected privacy: TikTok's guidelines require the creator's own choice.
PRIVACY_PROMPT = ("", "Choose who can see posts…")


class TikTokSettingsForm(forms.Form):
    """A TikTok profile's defaults for Direct Posts, on the Channels page."""

    privacy_level = forms.ChoiceField(
        choices=[PRIVACY_PROMPT, *PRIVACY_CHOICES],
        required=False,
        label="Privacy level",
        help_text="Used when a post does not choose its own; leave empty to choose per post.",
    )
    allow_comment = forms.BooleanField(required=False, label="Allow comments")
    allow_duet = forms.BooleanField(required=False, label="Allow duets")
    allow_stitch = forms.BooleanField(required=False, label="Allow stitches")

    @classmethod
    def for_profile(cls, profile, **kwargs) -> "TikTokSettingsForm":
        """Shows what is stored; interactions are allowed until someone turns them off."""
        extra = profile.extra
        initial = {
            "privacy_level": extra.get("privacy_level", ""),
            "allow_comment": not extra.get("disable_comment"),
            "allow_duet": not extra.get("disable_duet"),
            "allow_stitch": not extra.get("disable_stitch"),
        }
        return cls(initial=initial, prefix=f"tiktok-{profile.pk}", **kwargs)
