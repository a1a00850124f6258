"""Outreach (issue 16): needs of the area, mobile service units, network meetings and
training, their attendance and report figures."""
