"""The real-time closed loop: graph, engine, recording and replay."""
