"""Placeholder for vl-convert-python on the GPU pod (its ~30 MB wheel does not fit the 64 MiB carry): writes an SVG/PNG
that says the figure was not rendered; the chart's data are in the notebook's published record all the same."""
import base64
_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
NOTE = "figure not rendered on the GPU pod: vl-convert-python was not carried (bench/pod/vl_convert_placeholder.py)"

def vegalite_to_png(spec, scale=1, **kw): return _PNG
def vegalite_to_svg(spec, **kw):
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><text x="5" y="25">{NOTE}</text></svg>'
