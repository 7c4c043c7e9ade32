from rest_framework import serializers

from accounts.models import User


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "email"]
        read_only_fields = fields


class CredentialsSerializer(serializers.Serializer[None]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class TokenPairSerializer(serializers.Serializer[None]):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshSerializer(serializers.Serializer[None]):
    refresh = serializers.CharField()


class WebsocketTicketSerializer(serializers.Serializer[None]):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds left to open the socket with it.")
