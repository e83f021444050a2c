"""Independent references for the tests, written from the textbook and PHYSICS.md.

Nothing here uses trapode's SymPy model, generated code or constants: the unit
factors come straight from scipy.constants, the fields are typed in, and the
Euler and RK4 steps are the textbook ones.
"""

import math

import numpy as np
from scipy import constants as si

ATOMIC_MASS = si.physical_constants["atomic mass constant"][0]
#: CODATA unit factors (µm, µs, u, e), computed here from SI.
TESLA = si.e / ATOMIC_MASS * 1e-6
VOLT = si.e / ATOMIC_MASS
K_E = si.e**2 / (4 * math.pi * si.epsilon_0 * ATOMIC_MASS) * 1e6
#: The report's rounded factors.
REPORT = {"tesla": 9.64852558e1, "volt": 9.64852558e7, "k_e": 1.38935333e5}
CODATA = {"tesla": TESLA, "volt": VOLT, "k_e": K_E}


def acceleration(t, r, v, q, m, B0, V0, d, f=0.0, omega_v=0.0, interactions=True, units=CODATA):
    """a_i = q_i/m_i [E(r_i, t) + v_i × B] inside |r_i| < d, plus k_e q_i q_j (r_i − r_j)/(m_i |r_i − r_j|³)."""
    voltage = V0 * units["volt"] * (1 + f * np.cos(omega_v * t))
    B = np.array([0.0, 0.0, B0 * units["tesla"]])
    a = np.zeros_like(r)
    for i in range(len(q)):
        if np.linalg.norm(r[i]) < d:
            E = voltage / d**2 * np.array([r[i, 0], r[i, 1], -2 * r[i, 2]])
            a[i] = q[i] / m[i] * (E + np.cross(v[i], B))
        if interactions:
            for j in range(len(q)):
                if j != i:
                    s = r[i] - r[j]
                    a[i] += units["k_e"] * q[i] * q[j] / m[i] * s / np.linalg.norm(s) ** 3
    return a


def integrate(method, t_end, n_steps, r0, v0, q, m, **trap):
    """Textbook forward Euler or RK4 on (r, v); returns r of shape (n_steps + 1, N, 3)."""
    h = t_end / n_steps
    r, v = np.array(r0, dtype=float), np.array(v0, dtype=float)
    path = [r.copy()]

    def F(t, r, v):
        return v, acceleration(t, r, v, q, m, **trap)

    for n in range(n_steps):
        t = n * h
        if method == "euler":
            dr, dv = F(t, r, v)
            r, v = r + h * dr, v + h * dv
        else:
            k1r, k1v = F(t, r, v)
            k2r, k2v = F(t + h / 2, r + h / 2 * k1r, v + h / 2 * k1v)
            k3r, k3v = F(t + h / 2, r + h / 2 * k2r, v + h / 2 * k2v)
            k4r, k4v = F(t + h, r + h * k3r, v + h * k3v)
            r = r + h / 6 * (k1r + 2 * k2r + 2 * k3r + k4r)
            v = v + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
        path.append(r.copy())
    return np.array(path)


def linear_matrix(q_over_m, hessian_volt_per_um2, b_tesla, units=CODATA):
    """The 6 × 6 matrix of ẏ = A y for a potential Φ = ½ rᵀ H r (V) and a uniform B (T), typed in.

    r̈ = (q/m)(−H r + v × B): A = [[0, I], [−(q/m) H, (q/m) [B]×ᵀ]], with v × B = −B × v.
    """
    H = np.asarray(hessian_volt_per_um2, dtype=float) * units["volt"]
    bx, by, bz = np.asarray(b_tesla, dtype=float) * units["tesla"]
    cross_b = np.array([[0.0, -bz, by], [bz, 0.0, -bx], [-by, bx, 0.0]])  # B × v = cross_b @ v
    A = np.zeros((6, 6))
    A[:3, 3:] = np.eye(3)
    A[3:, :3] = -q_over_m * H
    A[3:, 3:] = -q_over_m * cross_b
    return A


def tilted_elliptic_hessian(V0, d, ellipticity):
    """H of Φ = V0/(2d²)[2z² − (1+ε)x² − (1−ε)y²] (PHYSICS.md), in V/µm²."""
    return V0 / d**2 * np.diag([-(1 + ellipticity), -(1 - ellipticity), 2.0])


def tilted_field(B0, tilt, azimuth):
    """B0 (sin θ cos φ, sin θ sin φ, cos θ) in T (PHYSICS.md)."""
    return B0 * np.array([math.sin(tilt) * math.cos(azimuth), math.sin(tilt) * math.sin(azimuth), math.cos(tilt)])
