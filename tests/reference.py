"""Independent references typed in by hand from the report, for the tests.

Nothing here uses trapode's SymPy model or kernels: it is the textbook
Lorentz + Coulomb acceleration in plain NumPy and the textbook Euler and RK4
steps, to check the compiled code against.
"""

import numpy as np

K_E = 1.38935333e5
TESLA = 9.64852558e1
VOLT = 9.64852558e7


def acceleration(t, r, v, q, m, B0, V0, d, f=0.0, omega_v=0.0, interactions=True):
    """a_i = q_i/m_i [E(r_i, t) + v_i × B] inside |r_i| ≤ d, plus k_e q_i q_j (r_i − r_j)/(m_i |r_i − r_j|³)."""
    voltage = V0 * VOLT * (1 + f * np.cos(omega_v * t))
    B = np.array([0.0, 0.0, B0 * TESLA])
    a = np.zeros_like(r)
    for i in range(len(q)):
        if np.linalg.norm(r[i]) <= d:
            E = voltage / d**2 * np.array([r[i, 0], r[i, 1], -2 * r[i, 2]])
            a[i] = q[i] / m[i] * (E + np.cross(v[i], B))
        if interactions:
            for j in range(len(q)):
                if j != i:
                    s = r[i] - r[j]
                    a[i] += K_E * q[i] * q[j] / m[i] * s / np.linalg.norm(s) ** 3
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
