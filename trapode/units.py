"""The unit system of trapode and conversions from SI.

Inside the package every quantity is expressed in

========  =====================
length    micrometre (µm)
time      microsecond (µs)
mass      atomic mass unit (u)
charge    elementary charge (e)
========  =====================

so angular frequencies come out in rad/µs. Users give the magnetic field in
tesla and the trap voltage in volts; :class:`trapode.PenningTrap` converts them
with the factors below at the edge of the package, and nothing else ever sees
them.

The factors are those of the report (and of SPEC.md), kept to the digits given
there so that results compare digit for digit.
"""

#: Coulomb constant k_e in u µm³ / (µs² e²).
COULOMB_CONSTANT = 1.38935333e5

#: One tesla in u / (µs e).
TESLA = 9.64852558e1

#: One volt in u µm² / (µs² e).
VOLT = 9.64852558e7

#: Mass of a singly charged calcium-40 ion (Ca⁺) in u, as used in the report.
CALCIUM_ION_MASS = 40.077


def tesla_to_internal(field_in_tesla):
    """Convert a magnetic flux density from tesla to u / (µs e)."""
    return field_in_tesla * TESLA


def volt_to_internal(potential_in_volt):
    """Convert an electric potential from volt to u µm² / (µs² e)."""
    return potential_in_volt * VOLT
