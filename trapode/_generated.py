"""Equations of motion and closed-form solution, generated from trapode.model.

Do not edit: run ``python -m trapode.codegen`` to regenerate. Every function
here is made by ``sympy.lambdify`` from an expression that SymPy derived; the
kernels in :mod:`trapode.kernels` compile them with numba.
"""

import math

import numpy


def external_acceleration(x, y, z, v_x, v_y, v_z, charge_to_mass, B_0, V, d):
    """Acceleration (a_x, a_y, a_z) in µm/µs² from the trap's E and B fields.

    Arguments: position (µm), velocity (µm/µs), charge-to-mass ratio (e/u),
    B0 (u/(µs e)), the electrode voltage now (u µm²/(µs² e)) and d (µm).
    Zero outside the trap, ``|r| > d``.
    """
    x0 = B_0*charge_to_mass
    x1 = d*d
    x2 = 1/x1
    x3 = V*charge_to_mass*x2
    x4 = (x1 >= x*x + y*y + z*z)
    return (((v_y*x0 + x*x3) if x4 else (0)), ((V*charge_to_mass*x2*y - v_x*x0) if x4 else (0)), ((-2*x3*z) if x4 else (0)),)


def electrode_voltage(t, V_0, f, omega_V):
    """Electrode voltage at time t (µs) for V0, drive amplitude f and ωV (rad/µs).
    """
    return V_0*(f*math.cos(omega_V*t) + 1)


def coulomb_field(Delta_x, Delta_y, Delta_z, q, k_e):
    """Electric field (E_x, E_y, E_z) of a point charge q at separation (Δx, Δy, Δz).

    Units: µm for the separation, e for q, and k_e in u µm³/(µs² e²); the
    field is in u µm/(µs² e), so q_i/m_i times it is an acceleration.
    """
    x0 = k_e*q/((Delta_x*Delta_x + Delta_y*Delta_y + Delta_z*Delta_z)*math.sqrt(Delta_x*Delta_x + Delta_y*Delta_y + Delta_z*Delta_z))
    return (Delta_x*x0, Delta_y*x0, Delta_z*x0,)


def analytic_motion(t, x_0, y_0, z_0, v_x0, v_y0, v_z0, omega_0, omega_z):
    """Closed-form (f, z) with f = x + i y, for one particle in the static trap.

    Arguments: time (µs, array), initial position (µm), initial velocity
    (µm/µs), ω0 and ωz (rad/µs). Pass ω0 and ωz as complex numbers to cover
    unbounded motion.
    """
    x0 = (1/2)*omega_0
    x1 = numpy.sqrt(omega_0**2 - 2*omega_z**2)
    x2 = (1/2)*x1
    x3 = 1j*t
    x4 = x1**(-1.0)
    x5 = (1/2)*x_0
    x6 = 1j*y_0
    x7 = omega_0*x4*x5 - 1j*v_x0*x4 + v_y0*x4 + x0*x4*x6
    x8 = omega_z*t
    return ((x5 + (1/2)*x6 + x7)*numpy.exp(-x3*(x0 - x2)) + (-x7 + (1/2)*x_0 + (1/2)*1j*y_0)*numpy.exp(-x3*(x0 + x2)), z_0*numpy.cos(x8) + v_z0*numpy.sin(x8)/omega_z,)


def analytic_velocity(t, x_0, y_0, z_0, v_x0, v_y0, v_z0, omega_0, omega_z):
    """Time derivative (ḟ, ż) of analytic_motion: the velocity, with ḟ = v_x + i v_y.

    Arguments as for analytic_motion; µm/µs.
    """
    x0 = (1/2)*omega_0
    x1 = numpy.sqrt(omega_0**2 - 2*omega_z**2)
    x2 = (1/2)*x1
    x3 = x0 - x2
    x4 = 1j*t
    x5 = 1j*y_0
    x6 = x1**(-1.0)
    x7 = x0*x6
    x8 = -1j*v_x0*x6 + v_y0*x6 + x5*x7 + x7*x_0
    x9 = x0 + x2
    x10 = omega_z*t
    return (-1j*x3*((1/2)*x5 + x8 + (1/2)*x_0)*numpy.exp(-x3*x4) - 1j*x9*(-x8 + (1/2)*x_0 + (1/2)*1j*y_0)*numpy.exp(-x4*x9), -omega_z*z_0*numpy.sin(x10) + v_z0*numpy.cos(x10),)


def radial_coefficients(x_0, y_0, v_x0, v_y0, omega_0, omega_z):
    """Complex coefficients (C+, C−) of f(t) = C+ e^{−i ω+ t} + C− e^{−i ω− t}.

    ``A± = |C±|`` and ``φ± = −arg C±``. Arguments as for analytic_motion, without t and z.
    """
    x0 = 1j*y_0
    x1 = x0 + x_0
    x2 = numpy.sqrt(omega_0**2 - 2*omega_z**2)
    x3 = omega_0*x0 + omega_0*x_0 - 2*1j*v_x0 + 2*v_y0
    x4 = (1/2)/x2
    return (x4*(x1*x2 - x3), x4*(x1*x2 + x3),)
