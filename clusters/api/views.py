from typing import Any, cast

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiTokenScope, User
from clusters import selectors, services
from clusters.api import listing
from clusters.api.serializers import (
    ClusterChoicesSerializer,
    ClusterCreateSerializer,
    ClusterExtendedSerializer,
    ClusterExtendSerializer,
    ClusterLogSerializer,
    ClusterSerializer,
    parse_label_selector,
)
from clusters.models import Cluster, ClusterStatus
from clusters.representation import cluster_as_json
from pyk8s.error_handlers import ErrorSerializer
from pyk8s.errors import ApplicationError
from pyk8s.pagination import RenderedPageNumberPagination

_unauthenticated = {
    401: OpenApiResponse(
        ErrorSerializer, description="No access token, or an invalid, expired or revoked one."
    )
}
_not_found = {404: OpenApiResponse(ErrorSerializer, description="No such cluster of yours.")}
_conflict = {409: OpenApiResponse(ErrorSerializer, description="Not possible in this state.")}


class ClusterViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Cluster]):
    """The requesting user's clusters; anyone else's answer 404 like missing ones."""

    serializer_class = ClusterSerializer
    # What an API token needs for each action (accounts.permissions): a kubeconfig is as
    # good as the cluster itself.
    token_scopes = {
        "list": ApiTokenScope.CLUSTERS_READ,
        "retrieve": ApiTokenScope.CLUSTERS_READ,
        "choices": ApiTokenScope.CLUSTERS_READ,
        "log": ApiTokenScope.CLUSTERS_READ,
        "create": ApiTokenScope.CLUSTERS_WRITE,
        "destroy": ApiTokenScope.CLUSTERS_WRITE,
        "extend": ApiTokenScope.CLUSTERS_WRITE,
        "kubeconfig": ApiTokenScope.CLUSTERS_WRITE,
    }
    pagination_class = RenderedPageNumberPagination
    # Only names the model for the schema: list and get_object read through clusters' own
    # functions.
    queryset = Cluster.objects.none()

    def get_object(self) -> Cluster:
        return selectors.cluster_get(owner=self._owner(), cluster_id=self.kwargs["pk"])

    def _owner(self) -> User:
        # IsAuthenticated has already turned anonymous requests away.
        return cast(User, self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                enum=ClusterStatus.values,
                description="Only clusters in this status (DELETED ones are listed only so).",
            ),
            OpenApiParameter(
                "label",
                many=True,
                description="Only clusters carrying this label, key=value (repeatable: all "
                "of them).",
            ),
        ],
        responses={
            200: ClusterSerializer(many=True),
            400: OpenApiResponse(
                description="Unknown status or malformed label: {status|label: [message]}"
            ),
            **_unauthenticated,
            404: OpenApiResponse(ErrorSerializer, description="No such page."),
        },
        summary="List your clusters, newest first",
    )
    def list(self, request: Request) -> HttpResponse:
        status_filter = request.query_params.get("status") or None
        if status_filter and status_filter not in ClusterStatus.values:
            raise ApplicationError(
                f"Unknown status; use one of {', '.join(ClusterStatus.values)}.", field="status"
            )
        labels = parse_label_selector(request.query_params.getlist("label"))
        pagination = cast(RenderedPageNumberPagination, self.paginator)
        clusters = pagination.paginate_rendered(
            request,
            lambda offset, limit: listing.cluster_page(
                owner=self._owner(), status=status_filter, labels=labels, offset=offset, limit=limit
            ),
        )
        return pagination.get_rendered_response(clusters)

    @extend_schema(
        responses={200: ClusterChoicesSerializer, **_unauthenticated},
        summary="What a create may ask for on this deployment",
    )
    @action(detail=False, methods=["get"])
    def choices(self, request: Request) -> Response:
        return Response(ClusterChoicesSerializer(selectors.cluster_choices()).data)

    @extend_schema(
        responses={200: ClusterSerializer, **_unauthenticated, **_not_found}, summary="One cluster"
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=ClusterCreateSerializer,
        responses={
            202: ClusterSerializer,
            400: OpenApiResponse(description="Field errors: {field: [message]}"),
            403: OpenApiResponse(
                ErrorSerializer,
                description="approval_pending: the account awaits approval by staff.",
            ),
            409: OpenApiResponse(ErrorSerializer, description="Quota reached."),
            **_unauthenticated,
        },
        summary="Create a cluster (provisioned in the background)",
    )
    def create(self, request: Request) -> Response:
        serializer = ClusterCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cluster = services.cluster_create(owner=self._owner(), **serializer.validated_data)
        # The JSON its event carried.
        return Response(cluster_as_json(cluster), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={202: ClusterSerializer, **_unauthenticated, **_not_found},
        summary="Delete a cluster (in the background); repeating it is harmless",
    )
    def destroy(self, request: Request, pk: str) -> Response:
        cluster = services.cluster_request_delete(cluster=self.get_object())
        return Response(ClusterSerializer(cluster).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/yaml"): OpenApiResponse(OpenApiTypes.STR, description="kubeconfig"),
            **_unauthenticated,
            **_not_found,
            **_conflict,
        },
        summary="Download the kubeconfig of a RUNNING cluster",
    )
    @action(detail=True, methods=["get"])
    def kubeconfig(self, request: Request, pk: str) -> HttpResponse:
        cluster = self.get_object()
        response = HttpResponse(
            selectors.cluster_kubeconfig(cluster=cluster), content_type="application/yaml"
        )
        response["Content-Disposition"] = f'attachment; filename="{cluster.name}-kubeconfig.yaml"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        responses={200: ClusterLogSerializer, **_unauthenticated, **_not_found},
        summary="kind's output from the cluster's latest create or delete (its last 200 lines)",
    )
    @action(detail=True, methods=["get"])
    def log(self, request: Request, pk: str) -> Response:
        lines = selectors.cluster_log_lines(cluster=self.get_object())
        return Response(ClusterLogSerializer({"lines": lines}).data)

    @extend_schema(
        request=ClusterExtendSerializer,
        responses={
            200: ClusterExtendedSerializer,
            400: OpenApiResponse(description="Past the maximum lifetime: {minutes: [message]}"),
            **_unauthenticated,
            **_not_found,
            **_conflict,
        },
        summary="Extend a cluster's TTL",
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str) -> Response:
        serializer = ClusterExtendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cluster = services.cluster_extend(cluster=self.get_object(), **serializer.validated_data)
        return Response(ClusterExtendedSerializer(cluster).data)
