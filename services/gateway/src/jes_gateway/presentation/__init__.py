"""What pages and the API both show: names and labels of the contracts' enums, JSON of
photos, prints, changes and audit entries, ROC dates, court names."""
