import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from communities.models import (
    Community,
    Grid,
    Household,
    Membership,
    RegisteredMember,
    Resident,
    Role,
    Street,
    VerificationMethod,
)

PASSWORD = "test-pass-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    name = factory.Sequence(lambda n: f"街道{n}")
    slug = factory.Sequence(lambda n: f"street-{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"社区{n}")
    slug = factory.Sequence(lambda n: f"community-{n}")


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    community = factory.SubFactory(CommunityFactory)
    grid = factory.SubFactory(GridFactory, community=factory.SelfAttribute("..community"))
    address = factory.Sequence(lambda n: f"幸福路{n}号")


class RegisteredMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegisteredMember

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"居民{n}")
    relation = "户主"
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class ResidentFactory(factory.django.DjangoModelFactory):
    """An unverified resident who has told the office who they are."""

    class Meta:
        model = Resident

    user = factory.SubFactory(UserFactory)
    real_name = factory.Sequence(lambda n: f"居民{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    community = factory.SubFactory(CommunityFactory)
    stated_address = "幸福路1号"


class VerifiedResidentFactory(ResidentFactory):
    household = factory.SubFactory(HouseholdFactory, community=factory.SelfAttribute("..community"))
    verified_at = factory.LazyFunction(timezone.now)
    verified_by = factory.SubFactory(UserFactory)
    verification_method = VerificationMethod.IN_PERSON


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.COMMUNITY_STAFF
    community = factory.SubFactory(CommunityFactory)
