"""`profilehub`: the command-line client of the Profilehub HTTP API."""
