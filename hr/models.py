"""HR's permissions. HR owns no data: it reads and acts on certification, courses and accounts."""

VIEW_REPORTS = "certification.view_hr_reports"
REVOKE_CERTIFICATE = "certification.revoke_certificate"
ASSIGN_COURSE = "certification.assign_course"
IMPORT_PEOPLE = "certification.import_people"
