"""The one door into a partner user's jobs: a job is seen by who asked for it, in its partner."""

from django.shortcuts import get_object_or_404

from jobs.models import Job


def partner_jobs(request):
    return Job.objects.filter(partner=request.partner, user=request.user)


def get_job_or_404(request, pk):
    """One of the user's jobs; anybody else's is a 404."""
    return get_object_or_404(partner_jobs(request), pk=pk)
