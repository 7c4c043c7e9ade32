from rest_framework import serializers

from accounts.models import User


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
