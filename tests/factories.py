import factory

from enterprises.models import Province
from score_portal.models import Role, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.CONSULTANT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def provinces(self, create, extracted, **kwargs):
        if create and extracted:
            self.provinces.set(extracted)
        if create:
            self.save()


def province(code):
    return Province.objects.get(code=code)
