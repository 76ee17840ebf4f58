"""What the sandbox raises when it fails itself (never for a snippet's own errors)."""


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the snippet): a worker could not start or keeps dying."""


class SandboxUnavailable(SandboxError):
    """A backend's system component is missing (Docker daemon, image); the message names the fix."""


class WorkerDied(SandboxError):
    """The worker process or container stopped answering; it is replaced on the next call."""
