"""Application services between the UI/CLI and the storage/ASR/core layers (no Qt): scoring and saving
attempts (:mod:`opsprep_voice.practice.attempts`)."""
