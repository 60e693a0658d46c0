"""Profilehub ml service: Best Send Time: scheduled and on-demand scoring."""
