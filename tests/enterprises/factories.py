import datetime

import factory

from enterprises.credit_code import ALPHABET, make_credit_code
from enterprises.models import EITMember, Enterprise
from tests.factories import province


def credit_code(n):
    digits = "".join(ALPHABET[(n // 31**i) % 31] for i in range(9))
    return make_credit_code(f"91330100{digits}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    credit_code = factory.Sequence(credit_code)
    name_en = factory.Sequence(lambda n: f"Enterprise {n}")
    name_zh = factory.Sequence(lambda n: f"企业{n}")
    province = factory.LazyFunction(lambda: province("ZJ"))
    city = "Hangzhou"
    sector = "C"
    status = "active"
    employees_female = 40
    employees_male = 60


class EITMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EITMember

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"Member {n}")
    side = "worker"
    sex = "female"
    joined_on = datetime.date(2025, 3, 1)
