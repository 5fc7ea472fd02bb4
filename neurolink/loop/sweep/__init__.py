"""``neurolink sweep``: replay grids over recordings on Dask (:mod:`.run`; the grid
:mod:`.grid`)."""
