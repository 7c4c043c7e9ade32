from rest_framework import serializers

from accounts.models import ApiToken, ApiTokenScope, User


class UserSerializer(serializers.ModelSerializer[User]):
    approved = serializers.SerializerMethodField(
        help_text="False while the account awaits approval by staff: it cannot create clusters."
    )

    class Meta:
        model = User
        fields = ["id", "email", "approved"]
        read_only_fields = fields

    def get_approved(self, user: User) -> bool:
        return user.approved_at is not None


class CredentialsSerializer(serializers.Serializer[None]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class RegistrationSerializer(CredentialsSerializer):
    invite = serializers.CharField(
        max_length=100,
        required=False,
        help_text="The token of an invite link (#invite=...); needed when the mode is invite.",
    )


class RegistrationModeSerializer(serializers.Serializer[None]):
    mode = serializers.ChoiceField(choices=["open", "invite", "approval", "closed"])
    message = serializers.CharField(help_text="What the mode means for someone registering.")


class TokenPairSerializer(serializers.Serializer[None]):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshSerializer(serializers.Serializer[None]):
    refresh = serializers.CharField()


class WebsocketTicketSerializer(serializers.Serializer[None]):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds left to open the socket with it.")


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "scope",
            "prefix",
            "created_at",
            "expires_at",
            "expired",
            "last_used_at",
            "last_used_ip",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "prefix": {"help_text": "The token's start after pk8s_, to tell tokens apart."},
            "expires_at": {"help_text": "Null: never."},
        }


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The secret: shown this once, never again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer[None]):
    name = serializers.RegexField(
        r"^[^\x00-\x1f\x7f]+$",
        max_length=64,
        error_messages={"invalid": "Use printable characters only."},
        help_text="Unique among your tokens, e.g. the pipeline that uses it.",
    )
    scope = serializers.ChoiceField(choices=ApiTokenScope.values)
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When it stops working; at most PYK8S_API_TOKEN_MAX_DAYS away, which is "
        "also the default. Null: never, where the server allows it.",
    )


class ApiTokensRevokedSerializer(serializers.Serializer[None]):
    revoked = serializers.IntegerField(help_text="How many tokens were revoked.")
