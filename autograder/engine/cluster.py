"""Where grading runs: an embedded Dask ``LocalCluster``, or an existing cluster given by address.

The embedded cluster has one worker process of one thread per notebook graded
at once. An existing one (``dask scheduler`` and ``dask worker`` by hand,
Slurm through dask-jobqueue, Kubernetes through dask-kubernetes) is used as it
is; its scheduler should leave retries to the grader, as the embedded one does
(``distributed.scheduler.allowed-failures: 0``): a task whose worker died comes
back to the grader, which sends it out again unless its notebook was being
graded by two workers that died (``grading._outcome``). The grader keeps one
task per able worker on the cluster, so a worker that dies mostly holds only
its own notebook. Every worker is started with this module as its preload
(``dask_setup``): before it joins, it checks which guarantees it can keep and
offers a Dask resource for each, so a worker that joins or restarts later is
checked too; tasks need the resource of their run. One that cannot keep them
says why in one line and gets no task.
"""

import contextlib
import logging

import dask
from distributed import Client, LocalCluster

from autograder.engine import worker as grading_worker
from autograder.kernel.sandbox import SandboxUnavailable

logger = logging.getLogger("autograder")

SCHEDULER = {"distributed.scheduler.allowed-failures": 0}  # a task whose worker died comes back to the grader
WAIT_FOR_WORKERS = 120  # seconds


@contextlib.contextmanager
def connect(options):
    """A Dask client on ``options.scheduler`` / ``options.scheduler_file``, else on an embedded cluster."""
    with dask.config.set(SCHEDULER):
        if options.scheduler or options.scheduler_file:
            with Client(options.scheduler, scheduler_file=options.scheduler_file, timeout=WAIT_FOR_WORKERS) as client:
                client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
                yield client
            return
        with LocalCluster(n_workers=options.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR, preload=[__name__]) as local, Client(local) as client:
            yield client


LEVELS = {"full": (True, False), "weaker": (True, True), "any": (False, True)}  # (sandbox, allow weaker)


def level(options):
    """The guarantees a run asks of its workers."""
    return "any" if not options.sandbox else "weaker" if options.allow_weaker_sandbox else "full"


def resource(environment, name):
    """The Dask resource of workers that run grader ``environment`` and keep the guarantees of level ``name``."""
    return f"autograder-{environment[:12]}-{name}"


def dask_setup(worker):
    """Preload of every grading worker (``dask worker --preload autograder.engine.cluster``): before it joins the
    scheduler, the worker checks what it can guarantee and offers one resource per level it can keep, and starts
    importing the course's stack for the judge."""
    grading_worker.import_in_background()  # the judge's stack, while the run is being prepared
    environment = grading_worker.environment_digest()
    for name, (sandbox, weaker) in LEVELS.items():
        line = grading_worker.refusal(sandbox, weaker, environment)
        if line is None:
            for pool in (worker.state.total_resources, worker.state.available_resources):
                pool[resource(environment, name)] = 1
        elif name == "full":
            logger.error("this worker cannot keep every guarantee of the grader: %s", line)


def offer(client, options, environment):
    """The resource a task of this run needs. Prints one line for each worker that cannot take one, and
    raises SandboxUnavailable when no worker can."""
    needed = resource(environment, level(options))
    verdicts = client.run(grading_worker.check, options, environment)
    workers = client.scheduler_info(n_workers=-1)["workers"]
    for address, line in sorted(verdicts.items()):
        if line is None and needed not in workers.get(address, {}).get("resources", {}):
            line = "it was started without --preload autograder.engine.cluster"
        if line:
            print(f"worker {address} refuses to grade: {line}", flush=True)
            verdicts[address] = line
    refused = [line for line in verdicts.values() if line]
    if len(refused) == len(verdicts):
        raise SandboxUnavailable(f"no worker can grade here: {refused[0]}")
    return needed


def capacity(client, resource):
    """How many tasks to have on the cluster at once: one per worker that can take one (at least one)."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return max(1, sum(1 for info in workers if info.get("resources", {}).get(resource)))


def release(client):
    """Close the kernels the workers prepared for a next notebook."""
    with contextlib.suppress(Exception):
        client.run(grading_worker.release)
