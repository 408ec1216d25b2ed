import factory

from organisations.models import Category, Kind, Organisation, OrganisationState, Representative
from organisations.validators import credit_code_check_character
from tests.factories import CommunityFactory, StreetFactory, UserFactory


def credit_code(serial):
    """A well-formed code of a social organisation (5: civil affairs, 1: 社会团体)."""
    first_17 = f"51{110000 + serial % 900000:06d}MJ{serial:07d}"[:17]
    return first_17 + credit_code_check_character(first_17)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"社会组织{n}")
    kind = Kind.REGISTERED
    credit_code = factory.Sequence(credit_code)
    category = Category.CULTURE
    description = "组织居民开展书法、绘画活动。"
    member_count = 25
    contact_name = "王老师"
    contact_phone = "13800001111"
    status = OrganisationState.FILED

    @factory.post_generation
    def communities(self, create, extracted, **kwargs):
        if not create:
            return
        self.communities.set(extracted or [CommunityFactory(street=self.street)])

    @factory.post_generation
    def representative(self, create, extracted, **kwargs):
        if create and extracted is not False:
            Representative.objects.create(organisation=self, user=extracted or UserFactory())


def representative_of(organisation):
    return organisation.representatives.select_related("user").first().user
