"""QGIS style side-cars (``.qml``) for score rasters, written without QGIS.

QGIS applies ``<raster basename>.qml`` whenever the raster is opened, so a score made by the
command line looks the same in QGIS as one made from the toolbox.

The score is an overlay, so the style follows the conventions for overlays of one ordered
quantity: a sequential, single-hue ramp (ColorBrewer's rule for ordered data: one hue, more
saturated for more), with the value carried by the opacity, so ordinary pixels are fully
transparent and whatever map lies underneath shows unchanged. The stretch runs from the 99th
percentile (transparent: what a 1 % false-alarm rate would flag starts here) to the 99.9th
(opaque: what the default threshold, a 1e-3 false-alarm rate, flags), so the saturated pixels
are the ones ``hsad:threshold`` keeps by default and the highest scores are never pale.

The hue is magenta because an overlay must read on any background, and measured it does: its
CIELAB difference to white, black, the light colours of an OpenStreetMap basemap (land, water,
parks, roads) and the land covers of natural- and false-colour scenes (vegetation is red in the
usual 860/650/550 nm composite) is at least 107, against 11 for red (on red vegetation), 19 for
the pale yellow top of magma (on white) and 39 for cyan (on water); its luminance contrast is
3.1:1 on white and 6.7:1 on black. No land cover is magenta, which is why it is the usual
highlight colour on imagery. The ramp's light end only shows where the opacity is low.
"""
from __future__ import annotations

import os
from html import escape

from .staging import write_text

# (fraction along the stretch, RGB, alpha): light to saturated magenta, opacity with the score.
RAMP = (
    (0.00, (255, 170, 255), 0),
    (0.50, (255, 85, 255), 150),
    (1.00, (255, 0, 255), 255),
)
# Summary percentiles where the ramp starts (transparent) and saturates (opaque).
STRETCH = ("p99", "p99_9")


def stretch_from(summary) -> tuple:
    """(low, high) of the colour stretch from a :class:`ScoreSummary` (robust percentiles)."""
    p = summary.percentiles
    low = p.get(STRETCH[0], summary.minimum)
    high = p.get(STRETCH[1], summary.maximum)
    if not high > low:
        high = summary.maximum
    if not high > low:
        low, high = summary.minimum, summary.maximum
    if not high > low:
        high = low + 1.0
    return float(low), float(high)


def score_style_qml(low: float, high: float, opacity: float = 1.0) -> str:
    """QML text of a single-band pseudocolor renderer over [low, high]."""
    items = []
    for fraction, (r, g, b), alpha in RAMP:
        value = low + fraction * (high - low)
        label = escape(f"{value:.4g}")
        items.append(f'<item alpha="{alpha}" value="{value:.6g}" label="{label}" '
                     f'color="#{r:02x}{g:02x}{b:02x}"/>')
    first, last = RAMP[0], RAMP[-1]
    stops = ":".join(f"{f:g};{r},{g},{b},{a}" for f, (r, g, b), a in RAMP[1:-1])
    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16-Białowieża" styleCategories="AllStyleCategories" hasScaleBasedVisibilityFlag="0" minScale="1e+08" maxScale="0">
  <pipe>
    <provider><resampling enabled="false" zoomedInResamplingMethod="nearestNeighbour" zoomedOutResamplingMethod="nearestNeighbour" maxOversampling="2"/></provider>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="{opacity:g}" alphaBand="-1" classificationMin="{low:.6g}" classificationMax="{high:.6g}" nodataColor="">
      <rasterTransparency/>
      <minMaxOrigin>
        <limits>None</limits>
        <extent>WholeRaster</extent>
        <statAccuracy>Estimated</statAccuracy>
        <cumulativeCutLower>0.02</cumulativeCutLower>
        <cumulativeCutUpper>0.98</cumulativeCutUpper>
        <stdDevFactor>2</stdDevFactor>
      </minMaxOrigin>
      <rastershader>
        <colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" minimumValue="{low:.6g}" maximumValue="{high:.6g}" labelPrecision="4">
          <colorramp type="gradient" name="[source]">
            <Option type="Map">
              <Option type="QString" name="color1" value="{','.join(map(str, first[1]))},{first[2]}"/>
              <Option type="QString" name="color2" value="{','.join(map(str, last[1]))},{last[2]}"/>
              <Option type="QString" name="discrete" value="0"/>
              <Option type="QString" name="rampType" value="gradient"/>
              <Option type="QString" name="stops" value="{stops}"/>
            </Option>
          </colorramp>
          {chr(10).join('          ' + i for i in items).strip()}
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>
    <huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" colorizeGreen="128" colorizeBlue="128" colorizeStrength="100" invertColors="0"/>
    <rasterresampler maxOversampling="2"/>
    <resamplingStage>resamplingFilter</resamplingStage>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
"""


def write_score_style(raster_path: str, summary, overwrite: bool = True) -> str:
    """Write ``<raster stem>.qml`` beside the raster (by the staging rule) and return its path.

    The score's writer checked the style's name with the raster's before any work, so by
    default an existing style (of the raster just replaced) is replaced."""
    low, high = stretch_from(summary)
    target = os.path.splitext(raster_path)[0] + ".qml"
    return write_text(target, score_style_qml(low, high), overwrite=overwrite)
