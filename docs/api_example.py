import sim

scenario = sim.load_scenario("hanoi/2025-07-first-13-days",
                             overrides=["horizon.days=3", "staff.per_commune.counter=5"])
results = sim.run(scenario, replications=2, seed=7)

figures = results.key_figures()  # DataFrame indexed by figure: mean, ci95_half_width
print(figures.loc["mean_wait_minutes"])

communes = results.communes()  # DataFrame, one row per commune
print(communes.nlargest(5, "utilisation_back_office")[["commune", "utilisation_back_office", "mean_wait_minutes"]])
