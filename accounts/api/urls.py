from django.urls import re_path

from accounts.api import views

urlpatterns = [
    re_path(r"^users/register/?$", views.RegisterView.as_view(), name="register"),
    re_path(r"^users/me/?$", views.MeView.as_view(), name="me"),
    re_path(r"^auth/registration/?$", views.RegistrationModeView.as_view(), name="registration"),
    re_path(r"^auth/token/?$", views.TokenView.as_view(), name="token"),
    re_path(r"^auth/token/refresh/?$", views.TokenRefreshView.as_view(), name="token-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="logout"),
    re_path(r"^auth/logout-all/?$", views.LogoutAllView.as_view(), name="logout-all"),
    re_path(r"^tokens/?$", views.ApiTokenListView.as_view(), name="api-tokens"),
    re_path(
        r"^tokens/revoke-all/?$",
        views.ApiTokenRevokeAllView.as_view(),
        name="api-tokens-revoke-all",
    ),
    re_path(
        r"^tokens/(?P<token_id>[0-9]{1,18})/?$",
        views.ApiTokenDetailView.as_view(),
        name="api-token",
    ),
    re_path(r"^ws/ticket/?$", views.WebsocketTicketView.as_view(), name="ws-ticket"),
]
