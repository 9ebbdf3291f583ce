from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import ClientAccount, Membership, Organisation, Role, User
from channels.models import ChannelConnection, Profile
from publishing.models import Post, PostMedia, PostStatus, PostTarget, TargetStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientAccount

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    publishing_enabled = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = Role.ADMIN


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelConnection

    account = factory.SubFactory(AccountFactory)
    platform = "instagram"
    external_user_id = factory.Sequence(lambda n: f"fbuser{n}")
    display_name = "Fake Marketer"
    access_token = "token-not-real"
    token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=59))


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    connection = factory.SubFactory(ConnectionFactory)
    account = factory.SelfAttribute("connection.account")
    platform = factory.SelfAttribute("connection.platform")
    external_id = factory.Sequence(lambda n: f"17841400{n}")
    name = factory.Sequence(lambda n: f"Profile {n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    account = factory.SubFactory(AccountFactory)
    caption = "Hello #launch"
    post_type = "feed"
    status = PostStatus.APPROVED


class MediaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostMedia

    post = factory.SubFactory(PostFactory)
    kind = "image"
    url = "https://cdn.example.com/photo.jpg"


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostTarget

    post = factory.SubFactory(PostFactory)
    profile = factory.SubFactory(
        ProfileFactory, connection__account=factory.SelfAttribute("...post.account")
    )
    status = TargetStatus.SCHEDULED
    scheduled_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
