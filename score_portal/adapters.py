from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Administrators create accounts and invite people; nobody signs up alone.
        return False

    def send_mail(self, template_prefix, email, context):
        # allauth answers a reset request for an unknown address with a mail inviting the
        # stranger to sign up, a page this portal does not have; the page they saw already
        # looks the same as for a known address, so no mail at all is the honest answer.
        if template_prefix == "account/email/unknown_account":
            return
        super().send_mail(template_prefix, email, context)
