"""Node kinds of the loop graph, each testable without the engine: DSP (:mod:`.dsp`), decoders
(:mod:`.decode`), spiking networks (:mod:`.snn`, networks in :mod:`.networks`) and command
mappers (:mod:`.mapping`)."""
