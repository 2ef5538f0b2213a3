"""The API door of the import framework: upload a file as a job, read the job, confirm a preview.

Same services as the import page and the commands (`revops.services.imports`), so a file gives
the same rows, errors and audit row whichever way it arrives.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from revops.api.base import OrganizationScopedViewSetMixin
from revops.imports.kinds import ImportKind, import_kind_get
from revops.models import JobRun
from revops.permissions import Cap, has_cap
from revops.selectors.jobs import job_get
from revops.services.imports import Mode, import_confirm, import_submit


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField(source="params.import_kind")
    mode = serializers.CharField(source="params.mode")
    status = serializers.CharField()
    progress = serializers.IntegerField()
    counts = serializers.DictField()
    problems = serializers.SerializerMethodField(help_text="Row and file errors, one a line.")
    preview = serializers.SerializerMethodField()

    def get_problems(self, job: JobRun) -> list[str]:
        return job.error.splitlines()

    def get_preview(self, job: JobRun) -> dict:
        return job.params.get("preview") or {}


def _kind_for(membership, name: str) -> ImportKind:
    try:
        kind = import_kind_get(name)
    except LookupError:
        raise Http404 from None
    if not has_cap(membership, kind.capability):
        raise PermissionDenied
    return kind


def _import_job(request, pk: int) -> JobRun:
    job = job_get(organization=request.membership.organization, pk=pk)
    if "import_kind" not in job.params:
        raise Http404
    _kind_for(request.membership, job.params["import_kind"])
    return job


class ImportCreateApi(OrganizationScopedViewSetMixin, APIView):
    """POST a file (multipart `file`, optional `profile`, `dry_run`) to import it as a job."""

    required_caps = {"post": Cap.API_ACCESS}

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        profile = serializers.CharField(required=False, allow_blank=True, default="")
        dry_run = serializers.BooleanField(required=False, default=False)

    @extend_schema(request=InputSerializer, responses={202: ImportJobSerializer})
    def post(self, request, kind_name: str) -> Response:
        kind = _kind_for(request.membership, kind_name)
        form = self.InputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        job, _ = import_submit(
            organization=request.membership.organization,
            actor=request.user,
            kind_name=kind.name,
            content=upload.read(),
            filename=upload.name,
            profile=form.validated_data["profile"],
            mode=Mode.PREVIEW if form.validated_data["dry_run"] else Mode.APPLY,
        )
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobApi(OrganizationScopedViewSetMixin, APIView):
    """GET an import job: status, progress, counts, row errors and the preview."""

    required_caps = {"get": Cap.API_ACCESS}

    @extend_schema(responses=ImportJobSerializer)
    def get(self, request, pk: int) -> Response:
        return Response(ImportJobSerializer(_import_job(request, pk)).data)


class ImportConfirmApi(OrganizationScopedViewSetMixin, APIView):
    """POST to write a clean preview (all rows or none) as a new job."""

    required_caps = {"post": Cap.API_ACCESS}

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    def post(self, request, pk: int) -> Response:
        applied, _ = import_confirm(job=_import_job(request, pk), actor=request.user)
        return Response(ImportJobSerializer(applied).data, status=status.HTTP_202_ACCEPTED)
