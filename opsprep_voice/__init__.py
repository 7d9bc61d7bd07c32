"""OpsPrep Voice: rehearse a Senior Operations Engineer interview out loud, offline."""

import os as _os

__version__ = "0.1.0"

#: Switches that keep bundled libraries from reporting home, set here because this package is imported
#: first by every entry point (``opsprep-voice``, ``python -m opsprep_voice``, the scripts) and before
#: anything that loads them. onnxruntime (faster-whisper's Silero VAD) otherwise records every run, even
#: a bare import, in ~/.cache/Microsoft/DeveloperTools/.onnxruntime/, leaves a world-readable ``.ses``
#: file in the temp folder and may look up Microsoft's events host; it reads the variable once, when it
#: is imported (``onnxruntime.disable_telemetry_events()`` does not stop the files). huggingface_hub, used
#: only for a download the user asks for (``--model NAME``), otherwise adds details of this machine to
#: its requests and may send usage telemetry. Set unconditionally: the app promises that nothing leaves
#: the machine, whatever the environment says.
NO_TELEMETRY = {"ORT_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
_os.environ.update(NO_TELEMETRY)
