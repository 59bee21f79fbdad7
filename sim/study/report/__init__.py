"""Reports: one self-contained HTML file per output folder (see registry.py for how it is built)."""
