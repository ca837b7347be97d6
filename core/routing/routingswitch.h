#pragma once

// Moving the global routing between regions: the interface the runbooks use, whatever routes
// the traffic (HAProxy in the lab; Azure Traffic Manager and Front Door come on the same
// interface). Every call is asynchronous and answers exactly once.
//
// Safety rule enforced here, whatever the caller: never zero serving regions. disable()
// refuses when no other region would be enabled and healthy afterwards; the refusal says so.

#include "common/result.h"
#include "profile/profile.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;

namespace dr {

class SecretStore;

struct RoutingRegionState
{
    QString regionId;
    bool enabled = false;  // in rotation (not in maintenance / disabled)
    bool healthy = false;  // the router's own health check says up
    QString detail;        // the router's words: "UP", "MAINT", "DOWN (L4CON)", ...
};

struct RoutingState
{
    QString servingRegion; // empty when none would serve
    QList<RoutingRegionState> regions;
    const RoutingRegionState *region(const QString &regionId) const;
};

class RoutingSwitch : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(Result<void>)>;
    using StateCallback = std::function<void(Result<RoutingState>)>;

    using QObject::QObject;

    virtual void state(StateCallback done) = 0;
    // Puts the region back in rotation and waits (up to timeoutMs) until the router sees it
    // healthy; the error says what the router last reported.
    virtual void enable(const QString &regionId, int timeoutMs, Done done) = 0;
    // Takes the region out of rotation (maintenance), so the router cannot send traffic to it
    // even when it looks healthy again. Refused when it would leave no enabled, healthy region.
    virtual void disable(const QString &regionId, Done done) = 0;

    // The switch for the profile's routing kind; an error for kinds not implemented yet.
    static Result<std::unique_ptr<RoutingSwitch>> create(const Profile &profile, QNetworkAccessManager *network,
                                                         SecretStore *secrets, QObject *parent = nullptr);

protected:
    // The never-zero rule, judged on the routing state before disabling regionId: nullopt
    // when the disable may go ahead; else the answer to give at once (success when the region
    // is already out of rotation, a refusal naming the others when none of them would serve).
    static std::optional<Result<void>> judgeDisable(const RoutingState &before, const QString &regionId);
    // A region's target in a region -> target list; empty when it has none.
    static QString targetOf(const QList<std::pair<QString, QString>> &targets, const QString &regionId);
    // An error answered from the event loop, never inside the call.
    void failLater(Done done, const QString &error);
};

} // namespace dr
