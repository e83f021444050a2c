"""The direct Coulomb sum, O(N²) with Newton's third law, as templates of the interactions module.

The pair field ``coulomb_field(Δx, Δy, Δz, k_e)`` (the field of a unit charge
at separation Δ) is derived by SymPy (:func:`trapode.physics.model.coulomb_field`)
and written beside these loops into the one generated interactions module that
every model imports (:func:`trapode.compile.interactions_module`).

Speed (:doc:`performance`): the obvious triangular double loop does not
vectorise; what does is taking two rows i, i + 1 against every j of a slice
in one pass over slices that start at 0 (no index checks), with the reduction
allowed to reassociate. The particles are cut into blocks of
``COULOMB_BLOCK``, and the sum goes tile by tile (block against block), so
that what a row pair sweeps stays in cache for large N. The threaded sum
deals the tiles round-robin to a fixed number of chunks, each with its own
buffer, so that the result does not depend on the thread count and memory
stays O(N).

The sums use the pair field without a floor on ``|Δ|²`` (a max per pair costs
3 % at 100 ions); two particles at one point, possible only for neutral ones,
give NaN there, and the last pass (:func:`finish_accelerations`) then sums
again with the floored field (:func:`coulomb_pairs_floored`).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ..compile.templates import kernel
from .protocol import coulomb_field, coulomb_field_floored

__all__ = ["COULOMB_BLOCK", "COULOMB_CHUNKS", "THREADED_COULOMB_MIN_PARTICLES"]

#: From this many interacting particles on, a run spreads the Coulomb sum over threads.
THREADED_COULOMB_MIN_PARTICLES = 2048

#: Work units of the threaded pair sum: numba's threads share them out. A fixed
#: number, so that the summation order, and so the result, does not depend on
#: the thread count.
COULOMB_CHUNKS = 16

#: The most particles per block of the tiled pair sum (even). Two blocks' positions,
#: charges and fields (56 bytes a particle) stay in a core's L2 cache while
#: their rows sweep them; a sweep over all N particles does not from about 10⁴
#: particles on (measured at 5×10⁴: 0.78 ns per pair untiled, 0.73 tiled).
COULOMB_BLOCK = 2048


@kernel(group="interactions", fastmath=("reassoc", "contract", "nsz"))
def coulomb_two_rows(x1, y1, z1, q1, x2, y2, z2, q2, xs, ys, zs, charges, k_e, field_x, field_y, field_z):
    """Coulomb pairs of particles 1 and 2 with every particle j of the slices.

    Returns the field at 1 and at 2 from all j, and subtracts the field of 1
    and 2 at each j from ``field_*[j]`` (Newton's third law: one evaluation per
    pair). Loading each j once for two rows halves the memory traffic.
    """
    s1x = 0.0
    s1y = 0.0
    s1z = 0.0
    s2x = 0.0
    s2y = 0.0
    s2z = 0.0
    for j in range(xs.shape[0]):
        e1x, e1y, e1z = coulomb_field(x1 - xs[j], y1 - ys[j], z1 - zs[j], k_e)
        e2x, e2y, e2z = coulomb_field(x2 - xs[j], y2 - ys[j], z2 - zs[j], k_e)
        q = charges[j]
        s1x += q * e1x
        s1y += q * e1y
        s1z += q * e1z
        s2x += q * e2x
        s2y += q * e2y
        s2z += q * e2z
        field_x[j] -= q1 * e1x + q2 * e2x
        field_y[j] -= q1 * e1y + q2 * e2y
        field_z[j] -= q1 * e1z + q2 * e2z
    return s1x, s1y, s1z, s2x, s2y, s2z


@kernel(group="interactions", inline=True)
def add_pair(i, j, ex, ey, ez, charge, field):
    """Add the pair (i, j) to ``field`` (per unit charge): ``q_j E`` at i and ``−q_i E`` at j, E the field of j at i."""
    field[0, i] += charge[j] * ex
    field[1, i] += charge[j] * ey
    field[2, i] += charge[j] * ez
    field[0, j] -= charge[i] * ex
    field[1, j] -= charge[i] * ey
    field[2, j] -= charge[i] * ez


@kernel(group="interactions", inline=True)
def coulomb_rows_against(i, pos, charge, k_e, field, begin, end):
    """Add to ``field`` (per unit charge) the pairs of rows i and i + 1 with every particle of ``begin:end``.

    ``begin`` is past ``i + 1``. The slices start at 0, which keeps the inner
    loop free of index checks.
    """
    xs, ys, zs = pos[0], pos[1], pos[2]
    j = i + 1
    sums = coulomb_two_rows(
        xs[i],
        ys[i],
        zs[i],
        charge[i],
        xs[j],
        ys[j],
        zs[j],
        charge[j],
        xs[begin:end],
        ys[begin:end],
        zs[begin:end],
        charge[begin:end],
        k_e,
        field[0, begin:end],
        field[1, begin:end],
        field[2, begin:end],
    )
    field[0, i] += sums[0]
    field[1, i] += sums[1]
    field[2, i] += sums[2]
    field[0, j] += sums[3]
    field[1, j] += sums[4]
    field[2, j] += sums[5]


@kernel(group="interactions", inline=True, uses={"COULOMB_BLOCK": COULOMB_BLOCK, "COULOMB_CHUNKS": COULOMB_CHUNKS})
def coulomb_block(n):
    """The block size for ``n`` particles: about n/16, even, between 256 and ``COULOMB_BLOCK``.

    From 4096 particles on that makes 16 blocks or more, 136 tiles or more,
    enough to share the triangle evenly among the chunks of the threaded sum;
    below, blocks of 256 keep the inner loops long.
    """
    size = n // COULOMB_CHUNKS + 1
    size += size % 2
    return max(256, min(COULOMB_BLOCK, size))


@kernel(group="interactions", inline=True)
def coulomb_tile(block_i, block_j, block, pos, charge, k_e, field):
    """Add to ``field`` the pairs of the particles of block ``block_i`` with those of block ``block_j`` ≥ it.

    Blocks are ``block`` (even) consecutive particles, the last one maybe
    fewer; on the diagonal (``block_i == block_j``) each pair (i, j > i)
    once. The two blocks' positions and fields stay in cache while their
    rows sweep them.
    """
    n = pos.shape[1]
    first = block_i * block
    last = min(first + block, n)
    if block_i == block_j:
        xs, ys, zs = pos[0], pos[1], pos[2]
        for i in range(first, last - 1, 2):
            j = i + 1
            ex, ey, ez = coulomb_field(xs[i] - xs[j], ys[i] - ys[j], zs[i] - zs[j], k_e)
            add_pair(i, j, ex, ey, ez, charge, field)
            coulomb_rows_against(i, pos, charge, k_e, field, i + 2, last)
    else:  # block_i is whole (only the last block is short), and blocks are even
        begin = block_j * block
        end = min(begin + block, n)
        for i in range(first, last, 2):
            coulomb_rows_against(i, pos, charge, k_e, field, begin, end)


@kernel(group="interactions")
def coulomb_pairs_floored(pos, charge, k_e, field):
    """Write the field per unit charge, every pair once in a plain double loop, with |Δ|² floored.

    What :func:`finish_accelerations` falls back on when the fast sum met two
    particles at one point (neutral ones passing through each other), where the
    unguarded pair field gives 0 × ∞ = NaN; here they get a zero field.
    """
    n = pos.shape[1]
    for k in range(3):
        for i in range(n):
            field[k, i] = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            ex, ey, ez = coulomb_field_floored(pos[0, i] - pos[0, j], pos[1, i] - pos[1, j], pos[2, i] - pos[2, j], k_e)
            add_pair(i, j, ex, ey, ez, charge, field)


@kernel(group="interactions", inline=True)
def finish_accelerations(pos, charge, q_over_m, k_e, out):
    """Turn the field per unit charge in ``out`` into accelerations, ``out[:, i] *= q_i/m_i``.

    The pair sums use the unguarded pair field (no floor in the inner loop);
    if the field came out non-finite anywhere, it is summed again by
    :func:`coulomb_pairs_floored`. The check rides on the scaling pass.
    """
    n = pos.shape[1]
    nonfinite = False
    for k in range(3):
        for i in range(n):
            # x - x is 0 for finite x and NaN otherwise; an or-reduction vectorises.
            nonfinite |= out[k, i] - out[k, i] != 0.0
            out[k, i] *= q_over_m[i]
    if nonfinite:
        coulomb_pairs_floored(pos, charge, k_e, out)
        for k in range(3):
            for i in range(n):
                out[k, i] *= q_over_m[i]


@kernel(group="interactions")
def coulomb_accelerations(pos, charge, q_over_m, k_e, out):
    """Write ``(q_i/m_i) Σ_{j≠i} E_j(r_i)``, the Coulomb acceleration of every particle, into ``out``.

    Each pair is evaluated once (Newton's third law), two rows at a time,
    block against block (:func:`coulomb_tile`).
    """
    n = pos.shape[1]
    for k in range(3):
        for i in range(n):
            out[k, i] = 0.0
    block = coulomb_block(n)
    blocks = (n + block - 1) // block
    for block_i in range(blocks):
        for block_j in range(block_i, blocks):
            coulomb_tile(block_i, block_j, block, pos, charge, k_e, out)
    finish_accelerations(pos, charge, q_over_m, k_e, out)


@kernel(group="interactions", parallel=True, uses={"COULOMB_CHUNKS": COULOMB_CHUNKS})
def coulomb_accelerations_threaded(pos, charge, q_over_m, k_e, out):
    """:func:`coulomb_accelerations` with the tiles dealt out to numba's threads.

    The tiles (block pairs) are dealt round-robin to ``COULOMB_CHUNKS``
    chunks, so that the triangular work is shared evenly, and each chunk sums
    into its own field buffer: memory O(chunks × N), never O(N²).
    """
    n = pos.shape[1]
    buffers = np.zeros((COULOMB_CHUNKS, 3, n))
    block = coulomb_block(n)
    blocks = (n + block - 1) // block
    n_tiles = blocks * (blocks + 1) // 2
    for chunk in prange(COULOMB_CHUNKS):
        for tile in range(chunk, n_tiles, COULOMB_CHUNKS):
            # The tile's blocks: row block_i holds the tiles (block_i, block_i..blocks-1).
            block_i = 0
            rest = tile
            while rest >= blocks - block_i:
                rest -= blocks - block_i
                block_i += 1
            coulomb_tile(block_i, block_i + rest, block, pos, charge, k_e, buffers[chunk])
    for k in range(3):
        for i in range(n):
            total = 0.0
            for chunk in range(COULOMB_CHUNKS):
                total += buffers[chunk, k, i]
            out[k, i] = total
    finish_accelerations(pos, charge, q_over_m, k_e, out)
