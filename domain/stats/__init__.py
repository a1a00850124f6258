"""Supervisor dashboards: case statistics, volunteer activity, network coverage, routing accuracy, CSV exports."""
