# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Training on the adding problem
#
# The [GRU chapter](../gru.html#the-update-gate) says that a unit whose update gate $u_t$ is near 1
# keeps its old value and one whose gate is near 0 takes the new candidate. This notebook trains a
# small GRU on a task that needs exactly that, and then looks at its update gate.
#
# The task is the adding problem (Hochreiter & Schmidhuber, 1997). At each of $T = 20$ steps the
# network reads two numbers: a value drawn uniformly between 0 and 1, and a marker. The marker is 1
# at exactly two steps, one in each half of the sequence, and 0 elsewhere. After the last step the
# network has to output the sum of the two marked values. So it must store the first marked value
# while up to 18 more values stream past, and ignore all of those but one.

# %%
import base64
import html
import io

import numpy as np
from IPython.display import HTML, display
from matplotlib.figure import Figure

from gru_ref import tasks, train

# %% [markdown]
# Figures are shown through a small helper that displays the PNG together with a text
# alternative, which screen readers read out in place of the picture.

# %%
def show(fig, alt):
    """Display a figure as a PNG with a text alternative, `alt`, for
    readers who cannot see it."""
    png = io.BytesIO()
    # no "Software" entry (matplotlib's version): the same bytes everywhere
    fig.savefig(png, format="png", metadata={"Software": None})
    data = base64.b64encode(png.getvalue()).decode("ascii")
    width, height = (fig.get_size_inches() * fig.dpi).round().astype(int)
    display(HTML(f'<img src="data:image/png;base64,{data}" width="{width}" '
                 f'height="{height}" alt="{html.escape(alt)}">'))


# %% [markdown]
# ## One sequence of the task
#
# `gru_ref.tasks` makes batches of sequences from a random generator; the inputs have the shape
# (steps, batch, 2). Steps are numbered from 1 here.

# %%
task = tasks.get("adding", length=20)
example = task.sample(np.random.default_rng(1), batch_size=1)
values, markers = example.inputs[:, 0, 0], example.inputs[:, 0, 1]
marked = np.flatnonzero(markers)
print("values: ", np.round(values, 2))
print("marked steps:", marked + 1)
print("their values:", np.round(values[marked], 3))
print("target, their sum:", np.round(example.targets[0, 0], 3))

# %% [markdown]
# ## What a network that remembers nothing scores
#
# The loss is the mean squared error of the output after the last step. Always answering 1.0, the
# mean of the sum, scores the variance of a sum of two uniform values, $2/12 = 1/6$. The task
# counts as solved at a mean squared error of 0.01, far below that: the network then uses both
# marked values.

# %%
print(f"{task.baseline.description}: {task.baseline.loss:.4f}")
print(f"solved at: {task.threshold}")

# %% [markdown]
# ## Training
#
# `gru_ref.train` trains one GRU layer of 16 units and a linear readout of its output, in numpy:
# Adam with PyTorch's defaults, the gradient's norm clipped to 1, batches of 32 fresh sequences,
# everything drawn from one seed. Every 50 steps it measures the loss on a fixed batch of 512
# sequences the training never sees.

# %%
run = train.train("gru", task, hidden_size=16, steps=300, seed=0)
print(f"{run.parameter_count} parameters")
for step, loss in zip(run.steps, run.losses):
    print(f"step {step:>3}: loss {loss:.4f}")

# %%
fig = Figure(figsize=(6.6, 3.8), dpi=100, facecolor="white",
             layout="constrained")
ax = fig.add_subplot()
ax.semilogy(run.steps, run.losses, "-o", color="#d95f02",
            label="GRU, 16 units")
ax.axhline(task.baseline.loss, color="#555555", linestyle="--",
           label="always 1.0 (remembers nothing)")
ax.axhline(task.threshold, color="#1b9e77", linestyle=":",
           label="solved")
ax.set_xlabel("training step")
ax.set_ylabel("mean squared error (log scale)")
ax.grid(True, which="both", alpha=0.3)
ax.legend(frameon=False)
curve = ", ".join(f"{loss:.3f} at step {step}"
                  for step, loss in zip(run.steps, run.losses))
show(fig, "Learning curve, logarithmic vertical axis: the evaluation loss "
          f"of the GRU, {curve}; a dashed line marks the loss of always "
          f"answering 1.0 ({task.baseline.loss:.3f}) and a dotted line the "
          f"loss at which the task counts as solved ({task.threshold}).")

# %% [markdown]
# For the first hundred steps the loss sits near the line of a network that remembers nothing:
# the readout has learned to answer about 1.0. Then the GRU starts to carry the marked values, and
# by step 300 it is below the line of a solved task.

# %%
near_baseline = np.abs(run.losses[1:3] / task.baseline.loss - 1) < 0.15
assert np.all(near_baseline)  # steps 50 and 100
assert run.losses[-1] < task.threshold < task.baseline.loss
assert run.solved

# %% [markdown]
# ## Its answers on new sequences

# %%
fresh = task.sample(np.random.default_rng(2), batch_size=5)
answers = task.prediction(run.model.predict(fresh.inputs))[:, 0]
for answer, target in zip(answers, fresh.targets[:, 0]):
    print(f"answer {answer:.3f}   sum {target:.3f}   "
          f"error {answer - target:+.3f}")

# %% [markdown]
# ## The update gate at work
#
# `run.model.trace` runs the trained weights through the teaching step function,
# `gru_ref.gru_step`, and returns every intermediate of every step. Here is $u_t$ for the sequence
# shown at the top, averaged over the 16 units.

# %%
steps = run.model.trace(example.inputs[:, 0])
u = np.array([step.u for step in steps])  # (steps, units)
t = np.arange(1, task.length + 1)
fig = Figure(figsize=(6.6, 3.4), dpi=100, facecolor="white",
             layout="constrained")
ax = fig.add_subplot()
ax.plot(t, u.mean(axis=1), "-o", color="#7570b3",
        label="update gate, mean over units")
for step in marked + 1:
    ax.axvline(step, color="#555555", linestyle="--")
ax.set_xticks(t)
ax.set_ylim(0, 1)
ax.set_xlabel("step (dashed: the marked steps)")
ax.set_ylabel(r"mean of $u_t$")
ax.grid(True, alpha=0.3)
ax.legend(frameon=False, loc="lower right")
gates = ", ".join(f"{v:.2f}" for v in u.mean(axis=1))
assert set(np.argsort(u.mean(axis=1))[:2]) == set(marked)  # as the text says
show(fig, "Line plot of the trained GRU's update gate, averaged over its "
          f"16 units, at steps 1 to {task.length} of the sequence above: "
          f"{gates}. Dashed lines mark the marked steps, "
          f"{marked[0] + 1} and {marked[1] + 1}, where the gate is lowest.")

# %% [markdown]
# At the two marked steps the gate drops: the units write the new value into their state. At the
# other steps it stays high: the units keep what they hold and let the unmarked values pass by.
# No one told the network where the markers are; it learned to open the gate there. The average
# hides that units differ, but the pattern holds far beyond this one sequence: in every one of 200
# new sequences, the mean gate at both marked steps is below its median over the unmarked steps.

# %%
batch = task.sample(np.random.default_rng(3), batch_size=200)
lowest_at_marks = 0
for b in range(200):
    mean_u = np.array([s.u for s in run.model.trace(batch.inputs[:, b])])
    mean_u = mean_u.mean(axis=1)
    marks = np.flatnonzero(batch.inputs[:, b, 1])
    assert mean_u[marks].max() < np.median(np.delete(mean_u, marks))
    lowest_at_marks += set(np.argsort(mean_u)[:2]) == set(marks)
print(f"the two lowest gates fall on the two marked steps "
      f"in {lowest_at_marks} of 200 sequences")
