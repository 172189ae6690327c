"""Operations tools: backups (the pm2 and systemd files live next to this package)."""
