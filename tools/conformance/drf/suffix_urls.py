"""The seed project's URLs with DRF's ``format_suffix_patterns`` on its movie routes.

The seed has no suffix routes; this variant answers ``/api/v1/movies.json``,
``/api/v1/movies/1.api`` and the like, as the format-suffix seed documents. Its views are
the seed's own, so everything but the suffixes answers as the seed does. simplejwt's
``TokenVerifyView`` is mounted too (the seed mounts only obtain and refresh), because our
API serves ``/api/v1/auth/token/verify/`` and simplejwt's view is its oracle.

Copied next to the seed's copy (as ``conformance_suffix_urls``) by ``record.py``.
"""

from django.urls import include, path
from movies import views
from rest_framework.urlpatterns import format_suffix_patterns
from rest_framework_simplejwt.views import TokenVerifyView

urlpatterns = [
    *format_suffix_patterns(
        [
            path("api/v1/movies/", views.ListCreateMovieAPIView.as_view(), name="get_post_movies"),
            path(
                "api/v1/movies/<int:pk>/",
                views.RetrieveUpdateDestroyMovieAPIView.as_view(),
                name="get_delete_update_movie",
            ),
        ]
    ),
    path("api/v1/auth/token/verify/", TokenVerifyView.as_view(), name="token_verify"),
    path("api/v1/auth/", include("authentication.urls")),
]
