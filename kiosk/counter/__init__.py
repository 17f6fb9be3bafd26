"""The counter service: check-in, enrolment with consent, purge, the admin session, the frame
watcher that drives them, the screen guard, the camera and the consent receipt."""
