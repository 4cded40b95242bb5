"""What the audit trail's codes mean, in the reader's language: the stored action codes and object
types stay identifiers (filters and searches use them); the list shows these labels."""

from __future__ import annotations

from console.domain import N_, _

ACTIONS = {
    "audit.anchor_head": N_("Chain head written"),
    "audit.purge": N_("Audit events purged"),
    "auth.login": N_("Signed in"),
    "auth.logout": N_("Signed out"),
    "booking.record": N_("Booking recorded"),
    "client.create": N_("Client created"),
    "client.update": N_("Client updated"),
    "complaint.assign": N_("Complaint assigned"),
    "complaint.close": N_("Complaint closed"),
    "complaint.create": N_("Complaint created"),
    "complaint.macro_create": N_("Canned reply created"),
    "complaint.macro_edit": N_("Canned reply edited"),
    "complaint.message": N_("Message sent"),
    "complaint.note": N_("Internal note added"),
    "complaint.reopen": N_("Complaint reopened"),
    "complaint.resolve": N_("Complaint resolved"),
    "complaint.resume": N_("Complaint work resumed"),
    "complaint.severity": N_("Severity changed"),
    "complaint.sla_sweep": N_("Deadline sweep"),
    "complaint.start": N_("Work started on the complaint"),
    "complaint.triage": N_("Complaint triaged"),
    "complaint.wait_on_client": N_("Waiting on the client"),
    "complaint.wait_on_provider": N_("Waiting on the provider"),
    "dispute.decide": N_("Dispute decided"),
    "dispute.evidence": N_("Dispute evidence added"),
    "dispute.insurer_claim": N_("Insurer claim recorded"),
    "dispute.open": N_("Dispute opened"),
    "dispute.propose": N_("Dispute decision proposed"),
    "dispute.provider_response": N_("Provider's answer recorded"),
    "dispute.refund": N_("Refund recorded"),
    "dispute.send_back": N_("Dispute sent back"),
    "file.download": N_("Document downloaded"),
    "file.integrity_mismatch": N_("Stored file altered"),
    "file.orphan_deleted": N_("Orphaned file deleted"),
    "file.purge": N_("File purged"),
    "file.upload": N_("File uploaded"),
    "files.sweep_orphans": N_("Orphaned files sweep"),
    "insurance.register": N_("Policy registered"),
    "insurance.reject": N_("Certificate rejected"),
    "insurance.sweep": N_("Insurance sweep"),
    "insurance.sweep_policies": N_("Insurance sweep"),
    "insurance.verify": N_("Certificate verified"),
    "jobs.retry": N_("Job retried"),
    "notification.resend": N_("E-mail sent again"),
    "provider.create": N_("Provider created"),
    "provider.update": N_("Provider updated"),
    "provider.vetting_status": N_("Vetting status changed"),
    "provider.viewed": N_("Provider file viewed"),
    "report.failed": N_("Report failed"),
    "report.request": N_("Report requested"),
    "report.retry": N_("Report retried"),
    "report.succeeded": N_("Report produced"),
    "restriction.lift": N_("Restriction lifted"),
    "restriction.proposal_closed_moot": N_("Proposal closed (no longer needed)"),
    "restriction.proposal_confirmed": N_("Proposal confirmed"),
    "restriction.proposal_dismissed": N_("Proposal dismissed"),
    "restriction.propose": N_("Restriction proposed"),
    "restriction.review_decided": N_("Restriction review decided"),
    "restriction.review_requested": N_("Restriction review requested"),
    "restriction.start": N_("Restriction started"),
    "review.flag": N_("Review reported"),
    "review.flags_dismissed": N_("Review reports dismissed"),
    "review.hide": N_("Review hidden"),
    "review.publish": N_("Review published"),
    "review.record": N_("Review recorded"),
    "review.restore": N_("Review restored"),
    "staff.create": N_("Staff account created"),
    "staff.deactivate": N_("Staff account deactivated"),
    "staff.language": N_("Language changed"),
    "staff.update": N_("Staff account updated"),
    "vetting.applicant_purged": N_("Applicant's data purged"),
    "vetting.approve": N_("Approved"),
    "vetting.await_provider": N_("Provider asked for something (deadline paused)"),
    "vetting.b3_viewed": N_("Criminal-record extract viewed (not stored)"),
    "vetting.case_view": N_("Vetting file opened"),
    "vetting.chase": N_("Provider chased"),
    "vetting.check_assign": N_("Check assigned"),
    "vetting.check_failed": N_("Check failed"),
    "vetting.check_passed": N_("Check passed"),
    "vetting.check_start": N_("Check started"),
    "vetting.checks_complete": N_("All checks completed: ready for decision"),
    "vetting.document_add": N_("Document added"),
    "vetting.identity_verified": N_("Identity document recorded"),
    "vetting.open": N_("Case opened"),
    "vetting.provider_answered": N_("Provider answered"),
    "vetting.purge_retention": N_("Retention purge"),
    "vetting.reference_add": N_("Reference added"),
    "vetting.reference_attempt": N_("Reference contacted"),
    "vetting.reject": N_("Rejected"),
    "vetting.reopen": N_("Sent back to review"),
    "vetting.retention": N_("Retention purge"),
    "vetting.siret_checked": N_("SIRET status recorded"),
    "vetting.skills_recorded": N_("Assessment recorded"),
    "vetting.start_review": N_("Review started"),
    "vetting.sweep": N_("Vetting sweep"),
    "vetting.sweep_cases": N_("Vetting sweep"),
    "vetting.withdraw": N_("Withdrawn"),
    "vetting.withdrawal_proposed": N_("Withdrawal proposed (30 days without answer)"),
}

OBJECTS = {
    "AuditEvent": N_("Audit event"),
    "Booking": N_("Booking"),
    "Client": N_("Client"),
    "Complaint": N_("Complaint"),
    "Dispute": N_("Dispute"),
    "InsurancePolicy": N_("RC Pro policy"),
    "InsuranceSweep": N_("Insurance sweep"),
    "Job": N_("Job"),
    "Macro": N_("Canned reply"),
    "Notification": N_("E-mail"),
    "Provider": N_("Provider"),
    "ReportRun": N_("Report"),
    "Restriction": N_("Restriction"),
    "RestrictionProposal": N_("Restriction proposal"),
    "Review": N_("Review"),
    "StaffUser": N_("Staff account"),
    "StoredFile": N_("Document"),
    "VettingCase": N_("Vetting case"),
    "VettingCheck": N_("Vetting check"),
    "VettingDocument": N_("Vetting document"),
    "VettingSweep": N_("Vetting sweep"),
    "Reference": N_("Reference"),
    "ReferenceAttempt": N_("Reference contact"),
    "SlaAlert": N_("Deadline alert"),
}


def action_label(code: str | None) -> str:
    """The action in words; an unknown code is shown as stored."""
    source = ACTIONS.get(code or "")
    return _(source) if source else (code or "")


def object_label(object_type: str | None) -> str:
    source = OBJECTS.get(object_type or "")
    return _(source) if source else (object_type or "")


# Why a document or a file was opened: stored as these keys (older events keep the sentence).
PURPOSES = {
    "verification": N_("Verifying the certificate"),
    "dispute": N_("A dispute or a claim"),
    "audit": N_("An audit or inspection"),
    "vetting": N_("Checking the applicant's document"),
    "renewal": N_("Re-vetting"),
    "vetting_work": N_("Vetting work on the provider's file"),
    "Vetting work on the provider's file": N_("Vetting work on the provider's file"),
}


def purpose_label(purpose: str | None) -> str:
    """Why it was opened, in words: a known key translated, a report's reference named."""
    if not purpose:
        return ""
    source = PURPOSES.get(purpose)
    if source:
        return _(source)
    if purpose.startswith("report "):
        return _("report %(reference)s", reference=purpose.removeprefix("report "))
    return purpose


# The recorded objects' fields, as a change names them ("status: open → approved").
FIELDS = {
    "activities": N_("Activities"),
    "address_line": N_("Address"),
    "awaiting_note": N_("What the provider is asked"),
    "awaiting_since": N_("Waiting since"),
    "certificate_id": N_("Certificate"),
    "chases_sent": N_("Reminders sent"),
    "city": N_("City"),
    "coverage_per_claim_cents": N_("Cover per claim"),
    "decided_at": N_("Decided at"),
    "decided_by_id": N_("Decided by"),
    "decision_note": N_("Decision note"),
    "deductible_cents": N_("Deductible"),
    "due_at": N_("Due"),
    "email": N_("E-mail"),
    "end_reason": N_("Reason for lifting"),
    "ended_at": N_("Ended at"),
    "ended_by_id": N_("Ended by"),
    "ends_on": N_("Ends on"),
    "evidence": N_("Evidence"),
    "insured_name": N_("Insured name"),
    "insured_siret": N_("Insured SIRET"),
    "insurer": N_("Insurer"),
    "joined_on": N_("Joined on"),
    "language": N_("Language"),
    "legal_name": N_("Legal name"),
    "paused_hours": N_("Paused hours"),
    "phone": N_("Phone"),
    "policy_number": N_("Policy number"),
    "postcode": N_("Postcode"),
    "provider": N_("Provider"),
    "reason": N_("Reason"),
    "reason_code": N_("Reason"),
    "rejection_reason": N_("Reason for rejection"),
    "restriction_id": N_("Restriction"),
    "review_decided_at": N_("Review decided at"),
    "review_outcome": N_("Review outcome"),
    "review_reasons": N_("Review reasons"),
    "review_request": N_("Review request"),
    "review_requested_at": N_("Review requested at"),
    "revetting_due_on": N_("Re-vetting due on"),
    "round": N_("Round"),
    "services": N_("Services"),
    "siret": N_("SIRET"),
    "source": N_("Source"),
    "starts_on": N_("Starts on"),
    "statement": N_("Statement of reasons"),
    "status": N_("Status"),
    "trade_name": N_("Trade name"),
    "verification": N_("Verification"),
    "verified_at": N_("Verified at"),
    "verified_by_id": N_("Verified by"),
    "vetting_status": N_("Vetting status"),
    "withdrawal_proposed_at": N_("Withdrawal proposed at"),
}


def field_label(key: str) -> str:
    source = FIELDS.get(key)
    return _(source) if source else key.replace("_", " ")
