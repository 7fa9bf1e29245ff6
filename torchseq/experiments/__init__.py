"""Study experiments: small, fully specified trainings that show a claim of the lectures."""
