"""Stream metadata as the XDF/LSL conventions write it: channel units, types, identity, clock.

:mod:`~neurolink.streams.meta.units` reads channel units in both conventions met in the wild and
converts voltages to µV; :mod:`~neurolink.streams.meta.channels` writes and reads the
``desc/channels`` node (``label``, ``unit``, ``type``) and names the content types of the streams
neurolink publishes; :mod:`~neurolink.streams.meta.identity` derives stable source ids;
:mod:`~neurolink.streams.meta.clock` maps producer time stamps to the host clock and back through
the stream's ``time_correction`` history (the ClockOffset chunks of an XDF file).
"""
