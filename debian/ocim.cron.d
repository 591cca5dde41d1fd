# ocim-sync refreshes Ocim from GitLab and sends queued actions; a run that
# finds another one still going exits at once.
* * * * * ocim [ -x /usr/bin/ocim-sync ] && /usr/bin/ocim-sync --config /etc/ocim/ocim.yml 2>&1 | logger -t ocim-sync
