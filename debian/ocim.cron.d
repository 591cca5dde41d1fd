# ocim-sync every minute on a host where systemd is not PID 1 (there
# ocim-sync.timer does it): its messages go to syslog with the tag ocim-sync,
# and a failed run is logged with its exit status (see ocim-sync-cron).
* * * * * ocim [ -d /run/systemd/system ] || [ ! -x /usr/libexec/ocim/ocim-sync-cron ] || /usr/libexec/ocim/ocim-sync-cron
