"""connect-dev: a 1Password Connect compatible server for development and tests."""

__version__ = "0.1.0"

# The Connect API release whose behaviour this server follows; sent in the
# 1Password-Connect-Version header and reported by /health.
CONNECT_VERSION = "1.8.1"
