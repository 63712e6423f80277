from django.urls import path

from raremap.accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup-done"),
    path("activate/<str:uidb64>/<str:token>/", views.activate, name="activate"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("logout/", views.logout_view, name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.password_reset_done, name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/two-factor/", views.two_factor, name="two-factor"),
    path("consent/", views.consent, name="consent"),
    path("privacy-notice/", views.privacy_notice, name="privacy-notice"),
    path("privacy-notice/<str:version>/", views.privacy_notice, name="privacy-notice-version"),
    path("u/<str:public_id>/", views.profile, name="profile"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
